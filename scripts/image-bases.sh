#!/usr/bin/env bash
# Makes the two base images of the Dockerfile on a machine that cannot pull from a registry,
# with debootstrap (Debian 12) and podman, for an offline `podman build`:
#
#   localhost/conduit-builder-base  Debian with gcc, Node.js/npm, and this machine's stable Rust
#                                   toolchain (wasm32 target included) and its cargo-leptos,
#                                   wasm-bindgen and cargo-chef, so the Dockerfile's install steps
#                                   find them and skip;
#   localhost/conduit-runtime-base  what distroless `cc` holds and nothing more: glibc, libgcc,
#                                   CA certificates, /etc/passwd with the nonroot user 65532, /tmp.
#
# Then (chroot isolation: no cgroup setup needed; docker format: keeps the Dockerfile's SHELL):
#   podman build --isolation=chroot --format docker --network=host \
#     --build-arg BUILDER_IMAGE=localhost/conduit-builder-base \
#     --build-arg RUNTIME_IMAGE=localhost/conduit-runtime-base -t conduit .
#
# The Debian mirror is the one this machine's apt uses (its deb822 .sources or sources.list), or
# the first argument:  scripts/image-bases.sh [MIRROR_URL]
set -euo pipefail

WORK="${CONDUIT_IMAGE_WORK:-/var/cache/conduit-image}"
# The first Debian archive (not -security, not -updates) that apt is set up with here.
apt_debian_mirror() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # deb822 stanzas, separated by blank lines: the URIs of one whose Suites has a bare suite.
    awk 'BEGIN { RS = ""; FS = "\n" }
      {
        uri = ""; bare = 0; deb = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^Types:/ && $i ~ /(^|[ \t])deb([ \t]|$)/) deb = 1
          if ($i ~ /^URIs:/) { split($i, u, /[ \t]+/); uri = u[2] }
          if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] !~ /-/) bare = 1 }
        }
        if (deb && bare && uri != "") print uri
      }' "$f"
  done
  # One-line format: "deb [options] URI SUITE COMPONENTS..." (either file may be missing).
  { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
    sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" && $3 !~ /-/ { print $2 }'
}
MIRROR="${1:-$(apt_debian_mirror | awk 'NR == 1')}"
if [[ -z "$MIRROR" ]]; then
  echo "no Debian mirror in this machine's apt sources; pass one: $0 MIRROR_URL" >&2
  exit 2
fi
rootfs="$WORK/bookworm"
log() { printf '\033[1;34m[image-bases]\033[0m %s\n' "$*" >&2; }

for tool in debootstrap podman; do
  command -v "$tool" >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap podman >/dev/null
  }
done

if [[ ! -f "$rootfs/.complete" ]]; then
  log "debootstrap bookworm into $rootfs"
  rm -rf "$rootfs"
  mkdir -p "$rootfs"
  debootstrap --variant=minbase --include=gcc,libc6-dev,pkg-config,ca-certificates,git \
    bookworm "$rootfs" "$MIRROR" >/dev/null
  # npm's many small packages are more than debootstrap's resolver can order; apt can.
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  chroot "$rootfs" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive chroot "$rootfs" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  chroot "$rootfs" apt-get clean
  rm -rf "$rootfs"/var/lib/apt/lists/*
  touch "$rootfs/.complete"
fi

# The builder: the Debian tree plus the host's toolchain, where the rust images keep theirs.
toolchain="$(rustup toolchain list | awk '/^stable/ {print $1; exit}')"
builder="$WORK/builder"
rm -rf "$builder"
cp -a "$rootfs" "$builder"
mkdir -p "$builder/usr/local/rustup/toolchains" "$builder/usr/local/cargo/bin"
cp -a "$HOME/.rustup/toolchains/$toolchain" "$builder/usr/local/rustup/toolchains/"
printf 'default_toolchain = "%s"\nversion = "12"\n' "$toolchain" >"$builder/usr/local/rustup/settings.toml"
# The builder trusts what this machine trusts (its registries may sit behind a proxy's CA).
cp /etc/ssl/certs/ca-certificates.crt "$builder/etc/ssl/certs/ca-certificates.crt"
for tool in rustup cargo rustc cargo-leptos wasm-bindgen cargo-chef; do
  if [[ -e "$HOME/.cargo/bin/$tool" ]]; then
    cp -aL "$HOME/.cargo/bin/$tool" "$builder/usr/local/cargo/bin/"
  fi
done
log "importing localhost/conduit-builder-base"
tar -C "$builder" -c . | podman import \
  --change 'ENV RUSTUP_HOME=/usr/local/rustup' --change 'ENV CARGO_HOME=/usr/local/cargo' \
  --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - localhost/conduit-builder-base >/dev/null
rm -rf "$builder"

# The runtime: only the files a glibc Rust binary and TLS need.
runtime="$WORK/runtime"
rm -rf "$runtime"
mkdir -p "$runtime"/{etc/ssl/certs,lib/x86_64-linux-gnu,lib64,tmp,home/nonroot}
for lib in libc.so.6 libm.so.6 libgcc_s.so.1 libdl.so.2 libpthread.so.0 librt.so.1; do
  cp -aL "$rootfs/lib/x86_64-linux-gnu/$lib" "$runtime/lib/x86_64-linux-gnu/"
done
cp -aL "$rootfs/lib64/ld-linux-x86-64.so.2" "$runtime/lib64/"
cp -aL "$rootfs/etc/ssl/certs/ca-certificates.crt" "$runtime/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$runtime/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' >"$runtime/etc/group"
chmod 1777 "$runtime/tmp"
chown 65532:65532 "$runtime/home/nonroot"
log "importing localhost/conduit-runtime-base"
tar -C "$runtime" -c . | podman import --change 'USER 65532:65532' - localhost/conduit-runtime-base >/dev/null
rm -rf "$runtime"
podman images --format '{{.Repository}} {{.Size}}' | grep conduit- >&2
