# syntax=docker/dockerfile:1.19@sha256:b6afd42430b15f2d2a4c5a02b919e98a525b785b1aaff16747d2f623364e39b6
#
# Conduit's production image: `cargo leptos build --release` in a Rust builder, then the server
# binary and the site assets on distroless `cc` (glibc, libgcc, CA certificates; no shell, no
# package manager), running as the fixed non-root user 65532.
#
#   docker build -t conduit .
#   docker run --read-only -p 8080:8080 -v conduit-data:/data conduit             # SQLite
#   docker run --read-only -p 8080:8080 -e CONDUIT_ENV=production \
#     -e DATABASE_URL='postgres://...?sslmode=verify-full&sslrootcert=/etc/rds/global-bundle.pem' \
#     -e CONDUIT_JWT_SECRET=... conduit
#
# Both bases are build arguments, so an offline builder can pass locally made images:
# scripts/image-bases.sh makes both with debootstrap, and README "Container image" shows the
# podman build that uses them.
#
# No HEALTHCHECK: it would need a shell or an HTTP client inside the image, and there is none.
# Kubernetes probes `/healthz` (liveness, startup) and `/readyz` (readiness) over HTTP instead;
# see deploy/k8s/apps/production/conduit/deployment.yaml.
#checkov:skip=CKV_DOCKER_2:no shell or HTTP client in the image; Kubernetes probes /healthz and /readyz
#checkov:skip=CKV_DOCKER_7:the bases are build arguments; their defaults below are pinned by digest

# Pinned by the digest of each multi-platform index (linux/amd64 and linux/arm64 resolve from the
# same pin); Renovate refreshes the digests. Both Debian 12, so the binary's glibc matches.
ARG BUILDER_IMAGE=rust:1.98.1-bookworm@sha256:93ce27a88655056a51dbdd8f5f2d7ddc071c7b0070fb288a37b5a285fc83971e
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f

# ---------------------------------------------------------------------------------------------
# Tools: the WASM target, cargo-chef, cargo-leptos, wasm-bindgen-cli at the Cargo.lock version,
# and wasm-opt from npm's binaryen (Debian's older binaryen breaks the WASM). A layer of its own,
# rebuilt only when Cargo.lock or tools/ change. Each install is skipped when the builder image
# already has the pinned version (scripts/image-bases.sh makes such an image for offline builds).
FROM ${BUILDER_IMAGE} AS tools
ARG CARGO_LEPTOS_VERSION=0.3.11
ARG CARGO_CHEF_VERSION=0.1.78
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN if ! command -v npm >/dev/null; then \
      apt-get update \
      && apt-get install -y --no-install-recommends nodejs npm \
      && rm -rf /var/lib/apt/lists/*; \
    fi
# Build tools, not shipped code: installed without their own fat LTO and single codegen unit, and
# cargo-leptos unoptimised (it only orchestrates), as scripts/setup.sh installs them. Set for
# this RUN only: the app's release build keeps its profile.
RUN export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
 && rustup target add wasm32-unknown-unknown \
 && { cargo chef --version 2>/dev/null | grep -qF "${CARGO_CHEF_VERSION}" \
      || cargo install --locked cargo-chef --version "${CARGO_CHEF_VERSION}"; } \
 && { cargo leptos --version 2>/dev/null | grep -qF "${CARGO_LEPTOS_VERSION}" \
      || CARGO_PROFILE_RELEASE_OPT_LEVEL=0 cargo install --locked cargo-leptos --version "${CARGO_LEPTOS_VERSION}"; } \
 && rm -rf "${CARGO_HOME:-/usr/local/cargo}/registry"
WORKDIR /tools
COPY tools/package.json tools/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
ENV PATH="/tools/node_modules/.bin:${PATH}"
COPY Cargo.lock /tmp/Cargo.lock
# wasm-bindgen-cli must match the wasm-bindgen library exactly; Cargo.lock is the truth.
RUN version="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' /tmp/Cargo.lock)" \
 && test -n "${version}" \
 && { [ "$(wasm-bindgen --version 2>/dev/null)" = "wasm-bindgen ${version}" ] \
      || cargo install --locked wasm-bindgen-cli --version "${version}"; } \
 && rm -rf "${CARGO_HOME:-/usr/local/cargo}/registry"

# ---------------------------------------------------------------------------------------------
# The dependency recipe: changes only when a Cargo.toml or Cargo.lock does.
FROM tools AS planner
WORKDIR /build
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# ---------------------------------------------------------------------------------------------
FROM tools AS builder
WORKDIR /build
# Release binaries without symbols (the root Cargo.toml's profile stays as it is for developers).
ENV CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_TERM_COLOR=never
COPY --from=planner /build/recipe.json recipe.json
# The workspace's build settings (.cargo/config.toml: the bundled SQLite's flags) apply to the
# cached dependencies too, or the final build would compile them again.
COPY .cargo .cargo
# Dependencies of the server (native, release) and of the browser bundle (wasm32, the
# wasm-release profile, in cargo-leptos' target/front), cached in their own layers.
RUN cargo chef cook --release --no-default-features --package server --recipe-path recipe.json
# hadolint ignore=DL3059
RUN cargo chef cook --profile wasm-release --target wasm32-unknown-unknown --target-dir target/front \
      --no-default-features --package frontend --recipe-path recipe.json
COPY . .
# --precompress: a brotli (quality 11) and a gzip file beside each file of the site.
RUN cargo leptos build --release --precompress \
 && install -d -o 65532 -g 65532 /data

# ---------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
LABEL org.opencontainers.image.title="Conduit" \
      org.opencontainers.image.description="RealWorld Conduit: Leptos SSR + axum" \
      org.opencontainers.image.licenses="MIT"
WORKDIR /app
COPY --from=builder /build/target/release/conduit /build/target/release/hash.txt /app/
COPY --from=builder /build/target/site /app/site
# The SQLite default writes here; mount a volume (the root filesystem may be read-only).
COPY --from=builder --chown=65532:65532 /data /data
ENV LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_HASH_FILES=true \
    LEPTOS_ENV=PROD \
    CONDUIT_LISTEN_ADDR=0.0.0.0:8080 \
    CONDUIT_DATA_DIR=/data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8080
# SIGTERM starts the graceful shutdown (readiness false, drain, exit 0).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/conduit"]
