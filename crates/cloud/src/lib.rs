//! The edgemix cloud tier: the RemoteExecutionService (package `remotemedia.execution`,
//! wire-compatible with the public `remotemedia-client` 0.2.0) served by tonic, a client
//! for it, the nodes it runs, and the bridge through which a WASM module of the edge
//! runtime (`edgemix-runtime`) calls it.
//!
//! - [`server::serve`] starts an embeddable server (the `edgemix-server` binary and the
//!   Node addon's `startServer` use it) running the nodes of a [`crate::nodes::NodeRegistry`].
//! - [`CloudClient`] calls one server or balances over several replicas (fixed
//!   endpoints and `dns:///` names, with health checking; see `balance`).
//! - [`Serialization`] is how node inputs and outputs travel: `json` (as the Python
//!   client sends), `f32le` (raw float32 PCM), `bytes`, `pickle` (the Python client's
//!   default, read by a restricted unpickler that never runs code).
//! - [`nodes`]: the node registry and the built-in nodes (Silero plugs in from its own
//!   crate).
//! - [`GrpcBridge`]: the runtime's `RemoteService` for a module's `call_remote_service`.

mod balance;
mod bridge;
mod client;
mod error;
pub mod metrics;
pub mod nodes;
pub mod proto;
mod peers;
mod pickle;
mod resolve;
mod selftest;
mod serialization;
pub mod server;
mod service;
mod stream;

pub use client::{
    ClientOptions, ClientTls, CloudClient, NodeDescription, ParameterDescription, ServiceState,
};
pub use balance::ReplicaState;
pub use bridge::GrpcBridge;
pub use error::{CloudError, CloudErrorKind};
pub use resolve::{Resolution, Resolver};
pub use pickle::{Samples as PickleSamples, Shape as PickleShape, Wrap as PickleWrap};
pub use serialization::{decode, encode, Envelope, Serialization};
pub use service::execute_once;
pub use stream::CloudStream;
