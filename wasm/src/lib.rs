//! ragged-atlas codec module: `homeobox.bitpacking` (BP-128) and zstd, for wasm32 and native.
//!
//! * [`bitpack`]: the BP-128 container and kernels (pure Rust; SIMD128 kernels on wasm32+simd128).
//! * [`remap`]: local → output feature columns, applied to a decoded chunk of indices.
//! * [`fsst`]: FSST string decompression (Lance's string columns).
//! * [`miniblock`]: whole Lance mini-block pages of strings, bit-packed or flat values.
//! * [`csc`]: CSC → CSR assembly kernels for the feature-oriented read path.
//! * [`zstd`]: bounded decompression / compression through libzstd (C, linked by `build.rs`).
//! * [`error`]: the error codes, whose numbers are the module's ABI.
//! * `wasm` (wasm32 only): the single boundary file with every `extern "C"` export.
//! * `alloc` (wasm32 only): `malloc`/`calloc`/`free` for the C code.
//!
//! The pure modules know nothing about wasm; `cargo test` runs them natively.

pub mod bitpack;
pub mod csc;
pub mod error;
pub mod fsst;
pub mod miniblock;
pub mod remap;
#[cfg(feature = "zstd")]
pub mod zstd;

#[cfg(all(target_arch = "wasm32", feature = "zstd"))]
mod alloc;
#[cfg(target_arch = "wasm32")]
mod wasm;
