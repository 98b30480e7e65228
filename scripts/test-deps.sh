#!/usr/bin/env bash
# What the tests need beyond npm, installed from Debian when missing (the README's test command runs this):
# redis-server, for the queue tests (a real Redis, started by the tests on a free loopback port); chromium,
# the browser that renders the API docs page in the tests; kubectl, which runs the kubectl plugin
# (bin/kubectl-placement) in the tests as a user's kubectl does; jq, which the documented examples pipe into.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v kubectl >/dev/null 2>&1 || need+=(kubectl)
command -v jq >/dev/null 2>&1 || need+=(jq)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
  echo "test-deps: ${need[*]} missing, and neither root nor sudo to install it (apt-get install ${need[*]})" >&2
  exit 1
fi
echo "test-deps: installing ${need[*]} from Debian" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
