# syntax=docker/dockerfile:1
# The central API image: `serve` (default), `migrate`, and the operator CLI
# (`park create`, `report request`, ...). Build from the repository root:
#   docker build -f docker/central.Dockerfile -t zamperla/central:0.1.0 .
# The base image is the official one, pinned by version and digest. It is a build argument so
# a build without registry access can pass an equivalent image (scripts/images/build-images.mjs
# builds one from Debian's packages and the same Node release).
ARG NODE_IMAGE=node:22.23.3-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c

# --- npm packages of central, shared and the root (tsx runs the TypeScript sources) ------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# Manifests first: this layer is rebuilt only when dependencies change.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY shared/gateway/package.json shared/gateway/
COPY shared/ui/package.json shared/ui/
COPY central/package.json central/
# npm ci checks every workspace of the lock file (the root's "workspaces"); for the desktop
# app, which the image does not run, its manifest is enough.
COPY desktop/package.json desktop/
# No install scripts: central needs none, and the desktop app's native builds are skipped.
RUN --mount=type=cache,target=/root/.npm,id=zra-npm \
    npm ci --ignore-scripts --no-audit --no-fund \
      --workspace=@zra/central --workspace=@zra/shared --workspace=@zra/ui \
      --include-workspace-root

# --- the web dashboard: static files built by Vite (React and Vite are root devDependencies)
FROM deps AS dashboard
# The dashboard imports central's router only as a type; it uses @zra/ui's components. Vite
# reads the dashboard's tsconfig.json and every project it references, so those come too.
COPY tsconfig.base.json ./
COPY shared/tsconfig.json shared/
COPY central/tsconfig.json central/
COPY scripts/harness/tsconfig.json scripts/harness/
COPY shared/ui shared/ui
COPY central/dashboard central/dashboard
RUN npx vite build --logLevel warn --config central/dashboard/vite.config.ts

# --- runtime ---------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY shared/package.json shared/
COPY shared/src shared/src
COPY shared/ride-models shared/ride-models
# @zra/ui/server: the dashboard's static-file server and its Content-Security-Policy.
COPY shared/ui/package.json shared/ui/
COPY shared/ui/src shared/ui/src
# @zra/gateway: central pull's SFTP and HTTP(S) gateway clients (central/src/pull/).
COPY shared/gateway/package.json shared/gateway/
COPY shared/gateway/src shared/gateway/src
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
