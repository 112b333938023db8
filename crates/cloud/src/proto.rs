//! Messages, client and server generated from `proto/*.proto` (package
//! `remotemedia.execution`).

#![allow(clippy::all, missing_docs)]

tonic::include_proto!("remotemedia.execution");

/// The full gRPC name of the service.
pub const SERVICE_NAME: &str = "remotemedia.execution.RemoteExecutionService";
