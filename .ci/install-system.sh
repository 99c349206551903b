#!/usr/bin/env bash
# Installs the system packages ragged-atlas needs on a fresh Debian 12 machine:
# the Rust→wasm toolchain (Debian's rustc-web with its vendored std sources), clang/lld 19 for the
# zstd C sources, binaryen, Chromium, Firefox ESR and WebKitGTK (its WebDriver, under Xvfb) for browser tests, the zstd CLI (oracle) and python3-anndata (oracle).
# python3-zarr is for bench:query's AnnData-Zarr baseline; openssl makes the self-signed certificate of `serve --self-signed` (tests, bench:query --http2). It also fetches the zstd source package (the reference libzstd compiled into the wasm module).
# Idempotent: a second run does nothing but check.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
PKGS=(rustc-web cargo-web rust-web-src lld-19 clang-19 llvm-19 binaryen chromium firefox-esr webkit2gtk-driver xvfb zstd
      python3-anndata python3-scipy python3-h5py python3-zarr dpkg-dev xz-utils openssl)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
need_src=1; [ -d "${ZSTD_SRC_ROOT:-/opt/ragged-atlas/zstd}/lib" ] && need_src=0
if [ ${#missing[@]} -gt 0 ] || [ $need_src = 1 ]; then
  # deb-src lines are needed for `apt-get source zstd`.
  if ! grep -rqs "deb-src" /etc/apt/sources.list /etc/apt/sources.list.d/ ; then
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      $SUDO sed -i 's/^Types: deb$/Types: deb deb-src/' /etc/apt/sources.list.d/debian.sources
    else
      echo "deb-src http://deb.debian.org/debian bookworm main" | $SUDO tee /etc/apt/sources.list.d/ragged-atlas-src.list >/dev/null
    fi
  fi
  for i in 1 2 3; do $SUDO apt-get update -qq && break || sleep 5; done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  for i in 1 2 3 4 5; do
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" && break
    echo "apt-get install failed (try $i), retrying"; sleep 5   # the dpkg lock is sometimes held briefly at boot
  done
fi
if [ $need_src = 1 ]; then
  root="${ZSTD_SRC_ROOT:-/opt/ragged-atlas/zstd}"
  tmp=$(mktemp -d); ( cd "$tmp" && apt-get source --download-only zstd >/dev/null 2>&1 )
  $SUDO mkdir -p "$root"
  $SUDO tar -xf "$tmp"/*zstd_*.orig.tar.xz -C "$root" --strip-components=1
  rm -rf "$tmp"
  echo "zstd source unpacked to $root"
fi
