//! A `StreamNode` session seen from the client: `send` a frame, get its answer; answers
//! come in the order frames were sent, and frames may be sent before earlier answers
//! arrive (pipelining). `finish` half-closes the stream and returns what the node
//! flushed. Dropping the stream cancels it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tokio_stream::StreamExt;
use tonic::Streaming;

use super::client::CloudClient;
use super::error::{CloudError, CloudErrorCode};
use super::proto::{stream_data, StreamData, StreamInit};
use super::serialization::Serialization;

enum Waiter {
    Frame(oneshot::Sender<Result<Bytes, CloudError>>),
    Finish(oneshot::Sender<Result<Option<Bytes>, CloudError>>),
}

impl Waiter {
    fn fail(self, err: CloudError) {
        match self {
            Waiter::Frame(tx) => drop(tx.send(Err(err))),
            Waiter::Finish(tx) => drop(tx.send(Err(err))),
        }
    }
}

struct Queue {
    data: mpsc::UnboundedSender<StreamData>,
    waiters: mpsc::UnboundedSender<Waiter>,
}

struct Driver {
    client: CloudClient,
    init: StreamInit,
    data: mpsc::UnboundedReceiver<StreamData>,
    waiters: mpsc::UnboundedReceiver<Waiter>,
}

struct State {
    what: String,
    /// None once finished.
    queue: Mutex<Option<Queue>>,
    /// Taken by the first future polled, which starts the call.
    driver: Mutex<Option<Driver>>,
}

/// An open `StreamNode` session (cheap to clone; clones share the session).
#[derive(Clone)]
pub struct CloudStream {
    state: Arc<State>,
}

impl CloudStream {
    pub(crate) fn new(
        client: CloudClient,
        node_type: String,
        config: HashMap<String, String>,
        format: Serialization,
    ) -> Self {
        let (data_tx, data_rx) = mpsc::unbounded_channel();
        let (waiters_tx, waiters_rx) = mpsc::unbounded_channel();
        let what = format!("StreamNode {node_type}");
        let init = StreamInit {
            node_type,
            config,
            serialization_format: format.as_str().to_owned(),
        };
        Self {
            state: Arc::new(State {
                what,
                queue: Mutex::new(Some(Queue {
                    data: data_tx,
                    waiters: waiters_tx,
                })),
                driver: Mutex::new(Some(Driver {
                    client,
                    init,
                    data: data_rx,
                    waiters: waiters_rx,
                })),
            }),
        }
    }

    fn closed(&self) -> CloudError {
        CloudError::new(
            CloudErrorCode::Rejected,
            format!("{}: the stream has ended; open a new one", self.state.what),
        )
    }

    /// Starts the call on the current runtime unless it already runs.
    fn start(state: &State) {
        let driver = state
            .driver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(driver) = driver {
            tokio::spawn(drive(driver, state.what.clone()));
        }
    }

    /// The answer to a request that `queued` (or the stream's end if it could not be),
    /// starting the call if it does not run yet.
    fn answer<T: Send + 'static>(
        &self,
        queued: bool,
        rx: oneshot::Receiver<Result<T, CloudError>>,
    ) -> impl Future<Output = Result<T, CloudError>> + Send + 'static {
        let state = Arc::clone(&self.state);
        let closed = self.closed();
        async move {
            if !queued {
                return Err(closed);
            }
            Self::start(&state);
            rx.await.unwrap_or(Err(closed))
        }
    }

    /// Queues `frame` now (so frames keep the order of `send` calls) and returns its answer.
    pub fn send(
        &self,
        frame: Bytes,
    ) -> impl Future<Output = Result<Bytes, CloudError>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let queued = {
            let queue = self
                .state
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            queue.as_ref().is_some_and(|q| {
                let message = StreamData {
                    payload: Some(stream_data::Payload::Data(frame)),
                    error_message: String::new(),
                };
                q.data.send(message).is_ok() && q.waiters.send(Waiter::Frame(tx)).is_ok()
            })
        };
        self.answer(queued, rx)
    }

    /// Half-closes the stream and returns what the node flushed at its end (if anything)
    /// once every earlier frame is answered. Calling it again fails.
    pub fn finish(
        &self,
    ) -> impl Future<Output = Result<Option<Bytes>, CloudError>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let queued = {
            let mut queue = self
                .state
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            // Taking the queue drops the data sender: the request stream ends there.
            queue
                .take()
                .is_some_and(|q| q.waiters.send(Waiter::Finish(tx)).is_ok())
        };
        self.answer(queued, rx)
    }
}

/// The next answer: data, the end of the stream, or the error the server reported.
async fn next(
    responses: &mut Streaming<StreamData>,
    limit: Duration,
    what: &str,
) -> Result<Option<Bytes>, CloudError> {
    let timeout = || {
        CloudError::new(
            CloudErrorCode::Timeout,
            format!("{what}: no answer within {} ms", limit.as_millis()),
        )
    };
    match tokio::time::timeout(limit, responses.message()).await {
        Err(_) => Err(timeout()),
        Ok(Err(status)) => Err(CloudError::from_status(&status, what)),
        Ok(Ok(None)) => Ok(None),
        Ok(Ok(Some(message))) if !message.error_message.is_empty() => {
            // The status that follows carries the code.
            match tokio::time::timeout(limit, responses.message()).await {
                Ok(Err(status)) => Err(CloudError::from_status(&status, what)),
                _ => Err(CloudError::new(
                    CloudErrorCode::Rejected,
                    format!("{what}: {}", message.error_message),
                )),
            }
        }
        Ok(Ok(Some(StreamData {
            payload: Some(stream_data::Payload::Data(bytes)),
            ..
        }))) => Ok(Some(bytes)),
        Ok(Ok(Some(_))) => Err(CloudError::new(
            CloudErrorCode::Internal,
            format!("{what}: the server answered a message without data"),
        )),
    }
}

async fn drive(driver: Driver, what: String) {
    let Driver {
        client,
        init,
        data,
        mut waiters,
    } = driver;
    let limit = client.options().timeout;
    let first = StreamData {
        payload: Some(stream_data::Payload::Init(init)),
        error_message: String::new(),
    };
    let outbound = tokio_stream::once(first).chain(UnboundedReceiverStream::new(data));
    let request = client.request(outbound, None);
    let mut grpc = client.grpc().await;
    let opened = match tokio::time::timeout(limit, grpc.stream_node(request)).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        Ok(Err(status)) => Err(CloudError::from_status(&status, &what)),
        Err(_) => Err(CloudError::new(
            CloudErrorCode::Timeout,
            format!("{what}: not opened within {} ms", limit.as_millis()),
        )),
    };
    let mut responses = match opened {
        Ok(responses) => Some(responses),
        Err(err) => {
            while let Some(waiter) = waiters.recv().await {
                waiter.fail(err.clone());
            }
            return;
        }
    };
    let mut failed: Option<CloudError> = None;
    while let Some(waiter) = waiters.recv().await {
        let (Some(stream), None) = (responses.as_mut(), &failed) else {
            waiter.fail(failed.clone().unwrap_or_else(|| {
                CloudError::new(
                    CloudErrorCode::Internal,
                    format!("{what}: the stream is gone"),
                )
            }));
            continue;
        };
        match waiter {
            Waiter::Frame(tx) => {
                let answer = match next(stream, limit, &what).await {
                    Ok(Some(bytes)) => Ok(bytes),
                    Ok(None) => Err(CloudError::new(
                        CloudErrorCode::Internal,
                        format!("{what}: the server ended the stream without answering a frame"),
                    )),
                    Err(err) => Err(err),
                };
                if let Err(err) = &answer {
                    failed = Some(err.clone());
                    responses = None; // cancels the call
                }
                let _ = tx.send(answer);
            }
            Waiter::Finish(tx) => {
                let mut tail: Option<Bytes> = None;
                let result = loop {
                    match next(stream, limit, &what).await {
                        Ok(Some(bytes)) => tail = Some(bytes),
                        Ok(None) => break Ok(tail),
                        Err(err) => break Err(err),
                    }
                };
                let _ = tx.send(result);
                return;
            }
        }
    }
}
