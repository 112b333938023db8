//! Messages, client and server generated from `proto/*.proto` (package
//! `remotemedia.execution`).

#![allow(clippy::all, missing_docs)]

tonic::include_proto!("remotemedia.execution");

/// The full gRPC name of the service.
pub const SERVICE_NAME: &str = "remotemedia.execution.RemoteExecutionService";

/// The `ExecuteNode` response header naming the node that answered (see execution.proto).
pub const NODE_TYPE_HEADER: &str = "edgemix-node-type";
