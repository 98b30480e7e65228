# syntax=docker/dockerfile:1
# The optiplace service: docker build -t optiplace --build-arg GIT_COMMIT=$(git rev-parse HEAD) .
# test/deploy.test.ts runs these same steps, in order, in temporary directories (docs/operations.md, "Container image
# and Kubernetes"): keep each step a plain WORKDIR, COPY, RUN, ENV, ARG, USER, EXPOSE, HEALTHCHECK or CMD.

# Build stage: every dependency (typescript is a dev dependency), then the compiler.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Without its scripts: `prepare` runs tsc, and the sources are not here yet (they come in the next step,
# so a change to them does not reinstall the dependencies).
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts
COPY . .
RUN npm run build && chmod +x dist/cli/placement.js dist/cli/kubectl-placement.js

# Runtime stage: the production dependencies (the solvers' WebAssembly is in highs and glpk.js) and the
# compiled service and CLI; no compiler, no tests, no sources.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` needs typescript, which --omit=dev leaves out.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts
COPY --from=build /app/dist/models ./dist/models
COPY --from=build /app/dist/solver ./dist/solver
COPY --from=build /app/dist/planning ./dist/planning
COPY --from=build /app/dist/jobs ./dist/jobs
COPY --from=build /app/dist/server ./dist/server
COPY --from=build /app/dist/cli ./dist/cli
COPY --from=build /app/dist/web ./dist/web
COPY --from=build /app/web/index.html /app/web/app.css ./web/
# The examples the web page loads (GET /examples/{file}).
COPY examples ./examples
# GET /v1/version reports it (there is no .git in the image).
ARG GIT_COMMIT=
ENV GIT_COMMIT=${GIT_COMMIT}
# The image's unprivileged user (uid 1000); the files stay root's, so the service cannot change its code.
USER node
EXPOSE 8080
# Slim images have no curl: node itself asks /livez (the process answers), on the port the service uses.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1, not npm (whose prestart would run tsc): SIGTERM reaches the service, which drains and
# exits 0 within SHUTDOWN_GRACE_MS (server/main.ts).
CMD ["node", "dist/server/main.js"]
