# syntax=docker/dockerfile:1
# One image for every Changelogs process; the command picks it: `migrate`, `worker orchestration`,
# `worker crawl`, `api` (see docker-compose.yml). TypeScript runs through tsx, a runtime dependency, so nothing
# is compiled: the build stage installs the production dependencies and bundles the workflows once.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY . .
# The orchestration worker would otherwise bundle the workflows with webpack on every start (seconds of CPU).
RUN node -e "require('@temporalio/worker').bundleWorkflowCode({ workflowsPath: '/app/workflows/index.ts' }) \
      .then(({ code }) => require('node:fs').writeFileSync('/app/workflow-bundle.js', code))"

FROM ${NODE_IMAGE}
# The sandbox processes of the crawl worker die with it and get a CPU-time limit through util-linux's setpriv and
# prlimit (activities/sandbox/childCommand.ts); Debian's base image has them, and the build fails if it ever does not.
RUN command -v setpriv && command -v prlimit
WORKDIR /app
# Owned by root and read-only to the process: it writes only to the temporary directory (sandbox and tsx caches).
COPY --from=build /app /app
ENV WORKFLOW_BUNDLE=/app/workflow-bundle.js
# What the API is measured with (api/nodeFlags.ts): graphql-js skips a per-type-test check meant for development.
ENV NODE_ENV=production
USER node
EXPOSE 4000 9464
ENTRYPOINT ["node", "bin/changelogs.js"]
CMD ["--help"]
