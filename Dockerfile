# syntax=docker/dockerfile:1
# infrastructor for temporal-compose.yml: one image, one role per container (INFRA_ROLE=worker|api|mcp,
# or all). The build stage type-checks and compiles the server into dist/ with its workflow bundle
# (`npm run build:server`); the runtime runs that JavaScript with production dependencies only, so
# workers load the bundle instead of bundling at start and nothing transpiles at run time. It also builds
# the web console the API serves.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# The dependencies' install scripts run (npm rebuild), our `prepare` does not: it is the server build,
# whose sources arrive in the build stage.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild

FROM deps AS build
COPY . .
# The typed API client's types (client/openapi.gen.ts) come first: the CLI and the console import them.
RUN npx tsx scripts/build-web.ts --types && npx tsc --noEmit -p .
RUN npm run build:server
RUN npx tsx scripts/build-web.ts && npx tsc --noEmit -p web

FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production
# Production dependencies only: no TypeScript, so not `prepare` either (dist/ comes from the build).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm rebuild && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin/infra.mjs ./bin/infra.mjs
COPY --from=build /app/web/dist ./web/dist
# Not root: the process only needs to read /app and the SSH keys mounted at /home/infra/.ssh.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/infra --shell /usr/sbin/nologin infra \
 && install -d -o infra -g infra -m 700 /home/infra/.ssh
USER infra
# Two malloc arenas: otherwise the Temporal SDK's native threads each get one, holding memory at idle.
ENV INFRA_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    MALLOC_ARENA_MAX=2 \
    BIND_ADDRESS=0.0.0.0 \
    API_PORT=9101 \
    MCP_PORT=9102
EXPOSE 9101 9102
# Role-aware: the API's /health, MCP answering, or Temporal seeing this container's worker poll.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "dist/platform/healthcheck.js"]
ENTRYPOINT ["node", "dist/app/main.js"]
