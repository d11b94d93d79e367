//! Terraform's value model (cty types and values) and the two wire codecs
//! Terraform uses for them: msgpack (`DynamicValue.msgpack`) and JSON
//! (stored state, `DynamicValue.json`).
//!
//! Decoders treat their input as hostile: they never panic, never allocate
//! more than the input could justify, cap nesting at [`MAX_DEPTH`], and
//! keep value content out of error messages.

mod error;
pub mod json;
pub mod msgpack;
mod number;
mod types;

#[cfg(test)]
mod tests;

pub use error::{render_path, DecodeError, EncodeError, PathStep, MAX_DEPTH};
pub use number::Number;
pub use types::{Type, Value};
