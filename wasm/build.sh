#!/usr/bin/env bash
# Builds the codec module twice for wasm32-unknown-unknown:
#   wasm/dist/ragged_atlas_codec_simd.wasm    (+simd128: SIMD kernels, libzstd with -msimd128)
#   wasm/dist/ragged_atlas_codec_scalar.wasm  (-simd128: no SIMD instruction anywhere)
# Toolchain: a rustup toolchain with the wasm32-unknown-unknown target if one is installed,
# otherwise Debian's rustc-web (/usr/bin/cargo) building std from source (-Zbuild-std) and
# linking with lld-19. libzstd is compiled by build.rs from $ZSTD_SRC (default /opt/ragged-atlas/zstd).
# Each variant has its own target dir so neither invalidates the other's cached std.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
export ZSTD_SRC="${ZSTD_SRC:-/opt/ragged-atlas/zstd}"
export ZSTD_CLANG="${ZSTD_CLANG:-clang-19}"
export ZSTD_AR="${ZSTD_AR:-llvm-ar-19}"
WASM_LD="${WASM_LD:-/usr/lib/llvm-19/bin/wasm-ld}"
start=$(date +%s)

if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  mode=rustup
  CARGO=(cargo)
  CARGO_ARGS=(build --release --target wasm32-unknown-unknown --lib)
  EXTRA_RUSTFLAGS=""
  rustc_version="$(rustc --version)"
else
  mode=debian
  [ -x /usr/bin/cargo ] || { echo "build.sh: neither rustup with wasm32-unknown-unknown nor Debian's cargo-web (/usr/bin/cargo) found" >&2; exit 1; }
  [ -x "$WASM_LD" ] || { echo "build.sh: wasm-ld not found at $WASM_LD (install lld-19 or set WASM_LD)" >&2; exit 1; }
  export PATH="/usr/bin:$PATH" RUSTC_BOOTSTRAP=1
  CARGO=(/usr/bin/cargo)
  CARGO_ARGS=(build --release --target wasm32-unknown-unknown --lib -Zbuild-std=std,panic_abort --offline)
  EXTRA_RUSTFLAGS="-C linker=$WASM_LD"
  rustc_version="$(/usr/bin/rustc --version)"
fi

echo "build.sh: toolchain: $mode ($rustc_version)"
echo "build.sh: zstd: $ZSTD_SRC with $("$ZSTD_CLANG" --version | head -1) and $ZSTD_AR"
mkdir -p dist

for variant in simd scalar; do
  if [ "$variant" = simd ]; then feature="+simd128"; else feature="-simd128"; fi
  target_dir="$here/target/wasm-$variant"
  t0=$(date +%s)
  RUSTFLAGS="-C target-feature=$feature $EXTRA_RUSTFLAGS" \
    "${CARGO[@]}" "${CARGO_ARGS[@]}" --target-dir "$target_dir" --quiet
  out="dist/ragged_atlas_codec_$variant.wasm"
  cp "$target_dir/wasm32-unknown-unknown/release/ragged_atlas_codec.wasm" "$out"
  echo "build.sh: $out  $(stat -c %s "$out") bytes  (RUSTFLAGS -C target-feature=$feature, $(( $(date +%s) - t0 )) s)"
done
echo "build.sh: done in $(( $(date +%s) - start )) s"
