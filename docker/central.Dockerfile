# syntax=docker/dockerfile:1
# The central API image: `serve` (default), `migrate`, and the operator CLI
# (`park create`, `report request`, ...). Build from the repository root:
#   docker build -f docker/central.Dockerfile -t zamperla/central:0.1.0 .
# Base images are pinned to an exact version; pin the digest too in your registry mirror.

# --- npm packages of central, shared and the root (tsx runs the TypeScript sources) ------
FROM node:20.19.5-bookworm-slim AS deps
WORKDIR /app
# Manifests first: this layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY shared/gateway/package.json shared/gateway/
COPY central/package.json central/
# npm ci checks every workspace of the lock file; the desktop app's manifest is enough.
COPY desktop/package.json desktop/
# No install scripts: central needs none, and the desktop app's native builds are skipped.
RUN npm ci --ignore-scripts --no-audit --no-fund \
      --workspace=@zra/central --workspace=@zra/shared --include-workspace-root

# --- the web dashboard: static files built by Vite (React and Vite are root devDependencies)
FROM node:20.19.5-bookworm-slim AS dashboard
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY shared/gateway/package.json shared/gateway/
COPY central/package.json central/
COPY desktop/package.json desktop/
RUN npm ci --ignore-scripts --no-audit --no-fund \
      --workspace=@zra/central --include-workspace-root
# The dashboard imports central's router only as a type: the sources below are all it needs.
COPY central/dashboard central/dashboard
RUN npx vite build --logLevel warn --config central/dashboard/vite.config.ts

# --- runtime ---------------------------------------------------------------------------
FROM node:20.19.5-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY shared/package.json shared/
COPY shared/src shared/src
COPY shared/ride-models shared/ride-models
COPY central/package.json central/
COPY central/src central/src
COPY central/migrations central/migrations
# serve hands these out at / (DASHBOARD_DIR defaults to central/dashboard/dist).
COPY --from=dashboard /app/central/dashboard/dist central/dashboard/dist
# The image's `node` user (uid 1000); the pods' securityContext asks for the same ids.
USER 1000:1000
EXPOSE 8080
# Node itself is PID 1 (tsx as a loader, not the tsx CLI, which would relay signals through
# a child process): SIGTERM reaches central's graceful shutdown directly.
ENTRYPOINT ["node", "--import", "tsx", "central/src/cli.ts"]
CMD ["serve"]
