//! GrpcBridge: `env.call_remote_service` answered by the cloud tier's `ExecuteNode`.
//!
//! A guest's call names a node type (`"VAD"`) and passes opaque bytes; the bridge runs
//! that node once on the cloud with serialization `bytes` (the data and the answer pass
//! unchanged) and the node's default configuration, within the deadline the host gives
//! (what is left of the guest call's time limit, and at most the client's timeout).
//!
//! # Why a blocking host function, not wasmtime async
//!
//! Guest calls run on a worker thread (the addon's frame workers, through `Serial`) that
//! waits for their result; the sessions are not futures. An async host function
//! (`Config::async_support`, `func_wrap_async`, `call_async`) would make every guest
//! call a future run on a fiber stack, and so need an executor on that same worker
//! thread to poll it to completion — the thread would wait just the same, now behind a
//! fiber switch per call and with every existing entry point (`instantiate`, the export
//! calls, the epoch callback) changed to its async form. Freeing the thread would need
//! the whole session model moved onto tokio, which is not how the addon runs them (each
//! call a plain blocking job on a frame worker). So the host function blocks its worker
//! thread on the client's future, which runs on the tokio runtime the bridge is given,
//! and waits at most the deadline; the cost on calls that never reach the cloud is zero.

use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::runtime::Handle;

use edgemix_runtime::wasm::{RemoteError, RemoteService};
use crate::{CloudClient, CloudError, CloudErrorCode, Serialization};

/// How long past the deadline the bridge waits for the client to report its own
/// timeout before giving up on it (the client enforces the deadline itself).
const GRACE: Duration = Duration::from_millis(20);

/// Answers `call_remote_service` with the cloud's `ExecuteNode`.
#[derive(Clone)]
pub struct GrpcBridge {
    client: CloudClient,
    runtime: Handle,
}

impl GrpcBridge {
    /// Calls go through `client` (its channel, token and timeout), driven on `runtime`.
    pub fn new(client: CloudClient, runtime: Handle) -> Self {
        Self { client, runtime }
    }
}

impl RemoteService for GrpcBridge {
    fn call(&self, service: &str, data: &[u8], deadline: Duration) -> Result<Vec<u8>, RemoteError> {
        let deadline = deadline.min(self.client.options().timeout);
        let (client, node, input) = (
            self.client.clone(),
            service.to_owned(),
            Bytes::copy_from_slice(data),
        );
        let (answer, answered) = mpsc::sync_channel(1);
        self.runtime.spawn(async move {
            let config = Value::Object(Default::default());
            let _ = answer.send(
                client
                    .execute(&node, &config, Serialization::Bytes, input, Some(deadline))
                    .await,
            );
        });
        match answered.recv_timeout(deadline + GRACE) {
            Ok(Ok(bytes)) => Ok(bytes.to_vec()),
            Ok(Err(err)) => Err(remote_error(err)),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(RemoteError::Timeout),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(RemoteError::Unavailable(
                "the cloud client's runtime has shut down".into(),
            )),
        }
    }
}

/// The import's code for a cloud error.
fn remote_error(err: CloudError) -> RemoteError {
    match err.code {
        CloudErrorCode::Unavailable => RemoteError::Unavailable(err.message),
        CloudErrorCode::Timeout => RemoteError::Timeout,
        CloudErrorCode::Unauthenticated => RemoteError::Denied(err.message),
        CloudErrorCode::Rejected
        | CloudErrorCode::Unimplemented
        | CloudErrorCode::Internal
        | CloudErrorCode::InvalidOptions => RemoteError::Failed(err.message),
    }
}
