//! The cloud tier: the RemoteExecutionService (package `remotemedia.execution`,
//! wire-compatible with the public `remotemedia-client` 0.2.0) served by tonic, and a
//! client for it.
//!
//! - [`server::serve`] starts an embeddable server (the `edgemix-server` binary and the
//!   Node addon's `startServer` use it) running the nodes of a [`crate::nodes::NodeRegistry`].
//! - [`CloudClient`] calls one server or balances over several.
//! - [`Serialization`] is how node inputs and outputs travel: `json` (as the Python
//!   client sends), `f32le` (raw float32 PCM), `bytes`.

mod client;
mod error;
pub mod proto;
mod serialization;
pub mod server;
mod service;
mod stream;

pub use client::{
    ClientOptions, ClientTls, CloudClient, NodeDescription, ParameterDescription, ServiceState,
};
pub use error::{CloudError, CloudErrorCode};
pub use serialization::{decode, encode, Envelope, Serialization};
pub use service::execute_once;
pub use stream::CloudStream;
