#!/usr/bin/env node
import { runCli } from './main.js';

/**
 * placement plan FILE|-    solve a cluster snapshot (plain, or Kubernetes NodeList + PodList)
 * placement plan NODES PODS | DIR   Kubernetes manifests (JSON or YAML) from files or a directory
 * placement plan --from-cluster     the cluster kubectl sees
 * placement solve FILE|-   solve an assignment program
 * See cli/args.ts for every flag, cli/main.ts for the run.
 */
runCli('placement');
