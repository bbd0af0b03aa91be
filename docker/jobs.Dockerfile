# syntax=docker/dockerfile:1
# The job image for KEDA's ScaledJobs: central's worker shell (`worker --drain`) plus the
# Rust postprocessor and reporter it runs. Build from the repository root:
#   docker build -f docker/jobs.Dockerfile -t zamperla/central-jobs:0.1.0 .
# Base images are the official ones, pinned by version and digest, as build arguments (see
# docker/central.Dockerfile; scripts/images/build-images.mjs passes local equivalents).
ARG NODE_IMAGE=node:22.23.3-bookworm-slim@sha256:43ac6c60b8f89723f746e8a92ce91abd5017e627ce1ddfe4238355d3a30b772c
ARG RUST_IMAGE=rust:1.95.0-slim-bookworm@sha256:d7482085ff5b415f84dba5647ae71606650bdef00db7aeb69f4b3d170c3e4082

# --- Rust binaries -------------------------------------------------------------------
# Same Debian release as the runtime, so the binaries find the glibc they were linked with.
FROM ${RUST_IMAGE} AS rust-build
WORKDIR /build
COPY rust/Cargo.toml rust/Cargo.lock ./
COPY rust/crates crates
# The crate downloads and the target folder are build caches (incremental rebuilds after a
# change); the binaries are copied out of the cache into the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry,id=zra-cargo-registry \
    --mount=type=cache,target=/build/target,id=zra-cargo-target \
    cargo build --release --locked -p postprocessor -p reporter \
    && mkdir -p /build/bin \
    && cp target/release/postprocessor target/release/reporter /build/bin/

# --- npm packages (same as docker/central.Dockerfile) --------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY shared/gateway/package.json shared/gateway/
COPY shared/ui/package.json shared/ui/
COPY central/package.json central/
COPY desktop/package.json desktop/
RUN --mount=type=cache,target=/root/.npm,id=zra-npm \
    npm ci --ignore-scripts --no-audit --no-fund \
      --workspace=@zra/central --workspace=@zra/shared --workspace=@zra/ui \
      --include-workspace-root

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
# Where RUST_BIN_DIR points (k8s/base/central-api/central-config-configmap.yaml), which is
# also central's default relative to the repository root (/app).
COPY --from=rust-build /build/bin/postprocessor /build/bin/reporter rust/target/release/
USER 1000:1000
ENTRYPOINT ["node", "--import", "tsx", "central/src/cli.ts"]
CMD ["worker", "--drain"]
