//! Error codes with stable numbers, shared by every codec in the crate.
//!
//! A failing call returns `-(code)` across the wasm boundary (all sizes are non-negative), and the
//! details of the failure (which block, which byte, which offending value) are left in a small
//! fixed record that JS reads after the call: see [`ErrorDetail`] and `ra_last_error` in `wasm.rs`.
//! The numbers below are part of the module's ABI: `src/codecs/error-codes.ts` mirrors them.
//! Never renumber; only append.
//!
//! Example: a BP-128 block whose width byte says 40 at input offset 8731, block 17 of the low stream
//! gives `Err(CodecError { code: BitWidthTooLarge, block: 17, offset: 8731, value: 40, stream: 0 })`,
//! returned to JS as `-3`, which the TS wrapper turns into
//! `homeobox.bitpacking: block 17 declares bit width 40 (> 32) at byte 8731`.

/// Why a call failed. `#[repr(i32)]`: the discriminant is the ABI number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ErrorCode {
    /// BP-128 input shorter than its 5-byte header. `value` = input length.
    TruncatedHeader = 1,
    /// BP-128 header transform byte is not 0, 1 or 2. `value` = the byte.
    UnknownTransform = 2,
    /// A BP-128 block width byte above 32. `value` = the width.
    BitWidthTooLarge = 3,
    /// A BP-128 block (width byte or payload) runs past the end of the input. `value` = bytes missing.
    TruncatedBlock = 4,
    /// `element_size` is not 4 or 8. `value` = the size given.
    BadElementSize = 5,
    /// The decoded output does not fit the caller's buffer. `value` = bytes needed (saturated to u32).
    OutputTooSmall = 6,
    /// Encoder input length is not a multiple of the element size. `value` = input length.
    InputNotMultiple = 7,
    /// More than 2^32 - 1 elements, or a size that overflows the address space. `value` = element count.
    TooManyElements = 8,
    /// libzstd rejected the frame. `value` = libzstd's own `ZSTD_ErrorCode`.
    ZstdCorrupt = 20,
    /// A zstd frame declares, or produces, more bytes than the caller's maximum. `value` = declared
    /// size (saturated), or 0 when the size was not declared and decoding overran the buffer.
    ZstdOutputTooLarge = 21,
    /// The zstd input ends inside a frame (or is empty). `value` = libzstd's error code, 0 if empty.
    ZstdTruncated = 22,
    /// Not an error: the frame does not record its decompressed size (streamed frames).
    ZstdSizeUnknown = 23,
    /// zstd compression failed. `value` = libzstd's error code.
    ZstdCompress = 24,
    /// An allocation failed (the wasm memory cannot grow any further).
    OutOfMemory = 30,
    /// An argument no caller should pass: unknown chunk kind, null pointer with a length, a size
    /// beyond `i32::MAX`. `value` = the argument.
    BadArgument = 31,
    /// The module was built without zstd (`--no-default-features`).
    Unsupported = 32,
    /// An FSST code byte with no symbol in the table. `offset` = its byte in the codes, `value` = the code.
    FsstBadCode = 50,
    /// An FSST escape (255) as the last byte of a string. `block` = the string, `offset` = its byte.
    FsstTruncatedEscape = 51,
    /// FSST string offsets that decrease or run past the codes. `block` = the offset's index,
    /// `offset` = its value, `value` = the previous offset or the codes' length.
    FsstBadOffsets = 52,
    /// An FSST symbol length outside 1..=8. `block` = the symbol, `value` = the length.
    FsstBadSymbol = 53,
    /// A Lance mini-block chunk, or a buffer inside it, runs past its page or chunk (or the chunk
    /// metadata is not whole words). `block` = the chunk, `offset` = its byte, `value` = bytes wanted.
    LanceBadChunk = 60,
    /// Lance mini-block chunks hold a different number of items than the page. `block` = the chunk
    /// where the count went wrong, `value` = items counted so far.
    LanceItemCount = 61,
    /// A Lance inline bit-packing width word above the value's bits. `block` = the chunk, `offset` =
    /// the word's byte in the chunk's buffer, `value` = the width.
    LanceBitWidth = 62,
    /// Lance string offsets that decrease or run past their chunk's buffer. `block` = the chunk,
    /// `offset` = the offset's index, `value` = the offset.
    LanceBadOffsets = 63,
    /// Lance RLE runs that do not cover their chunk's items (or fewer run lengths than values).
    /// `block` = the chunk, `value` = the items covered (or the run lengths present).
    LanceRleRuns = 64,
}

/// Everything known about one failure. `block`/`offset` are `NONE` when they do not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodecError {
    pub code: ErrorCode,
    /// Index of the BP-128 block within its stream.
    pub block: u32,
    /// Byte offset into the encoded input where the problem was found.
    pub offset: u32,
    /// The offending value; its meaning depends on `code` (see each variant).
    pub value: u32,
    /// 0 = the u32 stream or the low half of a u64 stream, 1 = the high half.
    pub stream: u32,
}

/// Marks a field of [`CodecError`] that does not apply.
pub const NONE: u32 = u32::MAX;

pub type Result<T> = core::result::Result<T, CodecError>;

impl CodecError {
    pub fn new(code: ErrorCode) -> Self {
        CodecError { code, block: NONE, offset: NONE, value: 0, stream: 0 }
    }

    pub fn with_value(code: ErrorCode, value: u64) -> Self {
        CodecError { value: saturate(value), ..Self::new(code) }
    }

    pub fn at(code: ErrorCode, block: usize, offset: usize, value: u64, stream: u32) -> Self {
        CodecError { code, block: saturate(block as u64), offset: saturate(offset as u64), value: saturate(value), stream }
    }

    /// The value returned across the wasm boundary: always negative.
    pub fn abi_code(&self) -> i32 {
        -(self.code as i32)
    }
}

/// Clamps to u32 so a huge count still reports as "at least 4 GiB" instead of wrapping.
pub fn saturate(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Layout of the detail record JS reads after a failed call: five little-endian u32s.
pub struct ErrorDetail;

impl ErrorDetail {
    pub const WORDS: usize = 5;

    pub fn encode(e: &CodecError) -> [u32; Self::WORDS] {
        [e.code as u32, e.block, e.offset, e.value, e.stream]
    }
}
