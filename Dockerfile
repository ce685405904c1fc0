# syntax=docker/dockerfile:1
# infrastructor for temporal-compose.yml: one image, one role per container (INFRA_ROLE=worker|api|mcp,
# or all). The app runs its TypeScript through tsx, so there is no compile output; the build stage
# type-checks, prebuilds the workflow bundle, which workers load instead of bundling at start, and builds
# the web console the API serves. `npm ci` builds the console through `prepare` only where web/src
# exists: the dependency-only installs below skip it.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
ENV INFRA_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
RUN npx tsc --noEmit -p .
RUN npx tsx scripts/build-workflow-bundle.ts "$INFRA_WORKFLOW_BUNDLE"
RUN npx tsx scripts/build-web.ts && npx tsc --noEmit -p web

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
# Production dependencies only; tsx is one of them (it runs the sources).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY platform ./platform
COPY schema ./schema
COPY workflows ./workflows
COPY activities ./activities
COPY workers ./workers
COPY services ./services
COPY api ./api
COPY mcp ./mcp
COPY bin ./bin
COPY --from=build /app/dist/workflow-bundle.js ./dist/workflow-bundle.js
COPY --from=build /app/web/dist ./web/dist
# Not root: the process only needs to read /app and the SSH keys mounted at /home/infra/.ssh.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/infra --shell /usr/sbin/nologin infra \
 && install -d -o infra -g infra -m 700 /home/infra/.ssh
USER infra
ENV INFRA_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    BIND_ADDRESS=0.0.0.0 \
    API_PORT=9101 \
    MCP_PORT=9102
EXPOSE 9101 9102
# Role-aware: the API's /health, MCP answering, or Temporal seeing this container's worker poll.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "--import", "tsx", "platform/healthcheck.ts"]
ENTRYPOINT ["node", "--import", "tsx", "platform/main.ts"]
