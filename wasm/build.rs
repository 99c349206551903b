//! Compiles the reference libzstd C sources into a static library and links it.
//!
//! No `cc` crate (the crate has no dependencies): clang and llvm-ar are started directly.
//!
//! * wasm32: `clang --target=wasm32-unknown-unknown -ffreestanding -nostdlib`, with three shim headers
//!   (`string.h`, `stdlib.h`, `assert.h`) written to `$OUT_DIR/shim`, because that target has no libc.
//!   `-msimd128` is added only when the Rust side is built with `+simd128`, so the scalar variant of the
//!   module contains no SIMD instruction at all. `malloc`/`calloc`/`free` come from `src/alloc.rs`;
//!   `memcpy`/`memmove`/`memset` from Rust's compiler_builtins.
//! * native (tests, benchmark): the same sources compiled for the host against the system libc.
//!
//! Environment (each has a default and triggers a rebuild when it changes):
//! `ZSTD_SRC` (`/opt/ragged-atlas/zstd`), `ZSTD_CLANG` (`clang-19`), `ZSTD_AR` (`llvm-ar-19`),
//! `ZSTD_OPT_FLAGS` (`-O3`), `ZSTD_CFLAGS` (extra flags, empty).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

const COMMON: &[&str] = &["entropy_common.c", "error_private.c", "fse_decompress.c", "xxhash.c", "zstd_common.c"];
const DECOMPRESS: &[&str] = &["huf_decompress.c", "zstd_ddict.c", "zstd_decompress.c", "zstd_decompress_block.c"];
const COMPRESS: &[&str] = &[
    "fse_compress.c", "hist.c", "huf_compress.c", "zstd_compress.c", "zstd_compress_literals.c",
    "zstd_compress_sequences.c", "zstd_compress_superblock.c", "zstd_double_fast.c", "zstd_fast.c",
    "zstd_lazy.c", "zstd_ldm.c", "zstd_opt.c",
];

// wasm32-unknown-unknown has no libc headers; zstd needs only these declarations.
const SHIM_STRING_H: &str = "#pragma once\n#include <stddef.h>\n\
void *memcpy(void *d, const void *s, size_t n);\nvoid *memmove(void *d, const void *s, size_t n);\n\
void *memset(void *d, int c, size_t n);\nint memcmp(const void *a, const void *b, size_t n);\n";
const SHIM_STDLIB_H: &str = "#pragma once\n#include <stddef.h>\n\
void *malloc(size_t n);\nvoid *calloc(size_t n, size_t size);\nvoid free(void *p);\n";
// xxhash.h includes <assert.h> for its static assertions even under NDEBUG.
const SHIM_ASSERT_H: &str = "#pragma once\n#define assert(c) ((void)0)\n#define static_assert _Static_assert\n";

fn env_or(name: &str, default: &str) -> String {
    println!("cargo:rerun-if-env-changed={name}");
    env::var(name).unwrap_or_else(|_| default.to_string())
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var_os("CARGO_FEATURE_ZSTD").is_none() {
        return;
    }
    let target_arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let wasm = target_arch == "wasm32";
    let simd = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default().split(',').any(|f| f == "simd128");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));

    let src = PathBuf::from(env_or("ZSTD_SRC", "/opt/ragged-atlas/zstd"));
    let lib = src.join("lib");
    if !lib.join("zstd.h").exists() {
        panic!(
            "zstd sources not found at {} (expected lib/zstd.h). Set ZSTD_SRC to an unpacked zstd 1.5.x \
             source tree (e.g. `apt-get source zstd`), or build with --no-default-features to leave zstd out.",
            src.display()
        );
    }
    println!("cargo:rerun-if-changed={}", lib.display());
    let clang = env_or("ZSTD_CLANG", "clang-19");
    let ar = env_or("ZSTD_AR", "llvm-ar-19");
    let opt_flags = env_or("ZSTD_OPT_FLAGS", "-O3");
    let extra_flags = env_or("ZSTD_CFLAGS", "");

    let mut flags: Vec<String> = Vec::new();
    if wasm {
        let shim = out.join("shim");
        fs::create_dir_all(&shim).expect("create shim dir");
        for (name, text) in [("string.h", SHIM_STRING_H), ("stdlib.h", SHIM_STDLIB_H), ("assert.h", SHIM_ASSERT_H)] {
            fs::write(shim.join(name), text).expect("write shim header");
        }
        flags.extend(["--target=wasm32-unknown-unknown", "-nostdlib", "-ffreestanding"].map(String::from));
        flags.push("-isystem".into());
        flags.push(shim.display().to_string());
        if simd {
            flags.push("-msimd128".into());
        }
    } else {
        flags.push("-fPIC".into());
    }
    flags.extend(opt_flags.split_whitespace().map(String::from));
    flags.extend(extra_flags.split_whitespace().map(String::from));
    flags.push(format!("-I{}", lib.display()));
    flags.push(format!("-I{}", lib.join("common").display()));
    // Portable C paths only (no x86 asm Huffman decoder, no BMI2 dispatch), no threads, no legacy formats.
    flags.extend(
        ["-DNDEBUG", "-DZSTD_DISABLE_ASM", "-DDYNAMIC_BMI2=0", "-DZSTD_TRACE=0", "-DZSTD_LEGACY_SUPPORT=0", "-DXXH_NAMESPACE=ZSTD_"]
            .map(String::from),
    );

    let mut sources: Vec<PathBuf> = Vec::new();
    sources.extend(COMMON.iter().map(|f| lib.join("common").join(f)));
    sources.extend(DECOMPRESS.iter().map(|f| lib.join("decompress").join(f)));
    sources.extend(COMPRESS.iter().map(|f| lib.join("compress").join(f)));

    let jobs: usize = env::var("NUM_JOBS").ok().and_then(|j| j.parse().ok()).unwrap_or(2).max(1);
    let objects = compile_all(&clang, &flags, &sources, &out, jobs);

    let archive = out.join("libzstd_ra.a");
    let _ = fs::remove_file(&archive);
    let status = Command::new(&ar).arg("rcs").arg(&archive).args(&objects).status();
    match status {
        Ok(s) if s.success() => {}
        other => panic!("`{ar} rcs` failed: {other:?}"),
    }
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=zstd_ra");
}

/// Runs at most `jobs` clang processes at a time; returns the object files in source order.
fn compile_all(clang: &str, flags: &[String], sources: &[PathBuf], out: &Path, jobs: usize) -> Vec<PathBuf> {
    let mut objects = Vec::new();
    let mut running: Vec<(Child, PathBuf)> = Vec::new();
    for source in sources {
        let stem = source.file_stem().and_then(|s| s.to_str()).unwrap_or("x");
        let object = out.join(format!("{stem}.o"));
        if running.len() >= jobs {
            let (child, src) = running.remove(0);
            wait_ok(child, &src);
        }
        let child = Command::new(clang)
            .args(flags)
            .arg("-c")
            .arg(source)
            .arg("-o")
            .arg(&object)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{clang}` (set ZSTD_CLANG): {e}"));
        running.push((child, source.clone()));
        objects.push(object);
    }
    for (child, src) in running {
        wait_ok(child, &src);
    }
    objects
}

fn wait_ok(mut child: Child, source: &Path) {
    match child.wait() {
        Ok(s) if s.success() => {}
        other => panic!("compiling {} failed: {other:?}", source.display()),
    }
}
