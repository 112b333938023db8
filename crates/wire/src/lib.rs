//! The wire formats of edgemix, defined once: how audio travels as bytes ([`f32le`]) and
//! which format a caller's input gets when none is named ([`InputKind`]). The addon, the
//! WASM host, the guest ABI library and the cloud tier all use these; the TypeScript
//! client follows the same [`InputKind`] rule (`ts/hybrid/input.ts`, checked against the
//! addon by `__test__/wire-rule.test.ts`).

pub mod f32le;
mod kind;

pub use kind::InputKind;
