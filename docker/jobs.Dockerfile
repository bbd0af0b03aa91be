# syntax=docker/dockerfile:1
# The job image for KEDA's ScaledJobs: central's worker shell (`worker --drain`) plus the
# Rust postprocessor and reporter it runs. Build from the repository root:
#   docker build -f docker/jobs.Dockerfile -t zamperla/central-jobs:0.1.0 .

# --- Rust binaries -------------------------------------------------------------------
# Same Debian release as the runtime, so the binaries find the glibc they were linked with.
FROM rust:1.95.0-slim-bookworm AS rust-build
WORKDIR /build
COPY rust/Cargo.toml rust/Cargo.lock ./
COPY rust/crates crates
RUN cargo build --release --locked -p postprocessor -p reporter

# --- npm packages (same as docker/central.Dockerfile) --------------------------------
FROM node:20.19.5-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY shared/gateway/package.json shared/gateway/
COPY central/package.json central/
COPY desktop/package.json desktop/
RUN npm ci --ignore-scripts --no-audit --no-fund \
      --workspace=@zra/central --workspace=@zra/shared --include-workspace-root

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
# Where RUST_BIN_DIR points (k8s/base/central-api/central-config-configmap.yaml), which is
# also central's default relative to the repository root (/app).
COPY --from=rust-build /build/target/release/postprocessor /build/target/release/reporter rust/target/release/
USER 1000:1000
ENTRYPOINT ["node", "--import", "tsx", "central/src/cli.ts"]
CMD ["worker", "--drain"]
