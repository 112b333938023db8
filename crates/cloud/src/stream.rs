//! A `StreamNode` session seen from the client: `send` a frame, get its answer; answers
//! come in the order frames were sent, and frames may be sent before earlier answers
//! arrive (pipelining). `finish` half-closes the stream and returns what the node
//! flushed. Dropping the stream cancels it.
//!
//! A stream stays on the replica it was opened on. When that replica goes away (the
//! call fails with UNAVAILABLE: refused, reset, shut down), the stream moves: it opens
//! again on another replica and sends again, in order, every frame not yet answered, so
//! no frame is lost, repeated or reordered. The node there starts from fresh state (a
//! mixer's envelopes and its lookahead delay line start over; what the old node still
//! held in its delay line is gone with it); [`CloudStream::moves`] tells at which
//! frames that happened. At most `retries` moves follow each other without an answer
//! in between. Any other error (a refused frame, a timeout) ends the stream as before.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::Streaming;

use super::balance::Lease;
use super::client::CloudClient;
use super::error::{CloudError, CloudErrorCode};
use super::proto::{stream_data, StreamData, StreamInit};
use super::serialization::Serialization;

enum Item {
    Frame(Bytes, oneshot::Sender<Result<Bytes, CloudError>>),
    Finish(oneshot::Sender<Result<Option<Bytes>, CloudError>>),
}

struct Driver {
    client: CloudClient,
    init: StreamInit,
    items: mpsc::UnboundedReceiver<Item>,
    moves: Arc<Mutex<Vec<u64>>>,
}

struct State {
    what: String,
    /// None once finished.
    queue: Mutex<Option<mpsc::UnboundedSender<Item>>>,
    /// Taken by the first future polled, which starts the call.
    driver: Mutex<Option<Driver>>,
    moves: Arc<Mutex<Vec<u64>>>,
}

/// An open `StreamNode` session (cheap to clone; clones share the session).
#[derive(Clone)]
pub struct CloudStream {
    state: Arc<State>,
}

fn data(bytes: Bytes) -> StreamData {
    StreamData {
        payload: Some(stream_data::Payload::Data(bytes)),
        error_message: String::new(),
    }
}

impl CloudStream {
    pub(crate) fn new(
        client: CloudClient,
        node_type: String,
        config: HashMap<String, String>,
        format: Serialization,
    ) -> Self {
        let (items_tx, items_rx) = mpsc::unbounded_channel();
        let what = format!("StreamNode {node_type}");
        let init = StreamInit {
            node_type,
            config,
            serialization_format: format.as_str().to_owned(),
        };
        let moves = Arc::new(Mutex::new(Vec::new()));
        Self {
            state: Arc::new(State {
                what,
                queue: Mutex::new(Some(items_tx)),
                driver: Mutex::new(Some(Driver {
                    client,
                    init,
                    items: items_rx,
                    moves: Arc::clone(&moves),
                })),
                moves,
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
        let queued = self
            .state
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|q| q.send(Item::Frame(frame, tx)).is_ok());
        self.answer(queued, rx)
    }

    /// Half-closes the stream and returns what the node flushed at its end (if anything)
    /// once every earlier frame is answered. Calling it again fails.
    pub fn finish(
        &self,
    ) -> impl Future<Output = Result<Option<Bytes>, CloudError>> + Send + 'static {
        let (tx, rx) = oneshot::channel();
        let queued = self
            .state
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .is_some_and(|q| q.send(Item::Finish(tx)).is_ok());
        self.answer(queued, rx)
    }

    /// The frames (0-based, in sending order) at which the stream moved to another
    /// replica: the node there processed them from fresh state.
    pub fn moves(&self) -> Vec<u64> {
        self.state
            .moves
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The next answer: data, the end of the stream, or the error the server reported.
async fn next(responses: &mut Streaming<StreamData>, what: &str) -> Result<Option<Bytes>, CloudError> {
    match responses.message().await {
        Err(status) => Err(CloudError::from_status(&status, what)),
        Ok(None) => Ok(None),
        Ok(Some(message)) if !message.error_message.is_empty() => {
            // The status that follows carries the code.
            match responses.message().await {
                Err(status) => Err(CloudError::from_status(&status, what)),
                _ => Err(CloudError::new(
                    CloudErrorCode::Rejected,
                    format!("{what}: {}", message.error_message),
                )),
            }
        }
        Ok(Some(StreamData {
            payload: Some(stream_data::Payload::Data(bytes)),
            ..
        })) => Ok(Some(bytes)),
        Ok(Some(_)) => Err(CloudError::new(
            CloudErrorCode::Internal,
            format!("{what}: the server answered a message without data"),
        )),
    }
}

/// The stream's call on one replica.
struct Call {
    lease: Lease,
    /// None once half-closed.
    outbound: Option<mpsc::UnboundedSender<StreamData>>,
    responses: Streaming<StreamData>,
}

impl Call {
    fn send(&self, frame: &Bytes) {
        if let Some(outbound) = &self.outbound {
            // A closed request stream shows up as the call's error.
            let _ = outbound.send(data(frame.clone()));
        }
    }
}

/// Opens the call on the next replica, within `limit`.
async fn open(
    client: &CloudClient,
    init: &StreamInit,
    what: &str,
    limit: Duration,
) -> Result<Call, CloudError> {
    let lease = client.lease().await?;
    let (outbound, requests) = mpsc::unbounded_channel();
    let _ = outbound.send(StreamData {
        payload: Some(stream_data::Payload::Init(init.clone())),
        error_message: String::new(),
    });
    let request = client.request(UnboundedReceiverStream::new(requests), None);
    let mut grpc = CloudClient::grpc(&lease);
    let opened = match tokio::time::timeout(limit, grpc.stream_node(request)).await {
        Ok(Ok(response)) => Ok(response.into_inner()),
        Ok(Err(status)) => Err(CloudError::from_status(&status, what)),
        Err(_) => Err(CloudError::new(
            CloudErrorCode::Timeout,
            format!("{what}: not opened within {} ms", limit.as_millis()),
        )),
    };
    match opened {
        Ok(responses) => Ok(Call {
            lease,
            outbound: Some(outbound),
            responses,
        }),
        Err(err) => {
            lease.report(&err);
            Err(err)
        }
    }
}

/// A frame sent and not answered yet.
struct Pending {
    frame: Bytes,
    index: u64,
    sent: Instant,
    tx: oneshot::Sender<Result<Bytes, CloudError>>,
}

/// Fails everything waiting, then every later request, until all handles are gone.
async fn fail_all(
    err: CloudError,
    pending: VecDeque<Pending>,
    finish: Option<oneshot::Sender<Result<Option<Bytes>, CloudError>>>,
    items: &mut mpsc::UnboundedReceiver<Item>,
) {
    for p in pending {
        let _ = p.tx.send(Err(err.clone()));
    }
    if let Some(tx) = finish {
        let _ = tx.send(Err(err.clone()));
    }
    while let Some(item) = items.recv().await {
        match item {
            Item::Frame(_, tx) => drop(tx.send(Err(err.clone()))),
            Item::Finish(tx) => drop(tx.send(Err(err.clone()))),
        }
    }
}

async fn drive(driver: Driver, what: String) {
    let Driver {
        client,
        init,
        mut items,
        moves,
    } = driver;
    let limit = client.options().timeout;
    let max_moves = client.options().retries;
    let mut pending: VecDeque<Pending> = VecDeque::new();
    let mut finish: Option<(oneshot::Sender<Result<Option<Bytes>, CloudError>>, Instant)> = None;
    let mut tail: Option<Bytes> = None;
    let mut sent: u64 = 0;
    let mut moves_in_row: u32 = 0;
    let mut call = match open(&client, &init, &what, limit).await {
        Ok(call) => call,
        // Nothing was sent yet: the next replicas are tried as a move would.
        Err(err) if err.code == CloudErrorCode::Unavailable && max_moves > 0 => {
            let mut attempts = 0;
            match move_stream(&client, &init, &what, limit, &mut attempts, max_moves).await {
                Ok(call) => call,
                Err(err) => return fail_all(err, pending, None, &mut items).await,
            }
        }
        Err(err) => return fail_all(err, pending, None, &mut items).await,
    };
    loop {
        // The answer awaited longest bounds the wait.
        let waiting_since = pending
            .front()
            .map(|p| p.sent)
            .or(finish.as_ref().map(|(_, at)| *at));
        tokio::select! {
            item = items.recv(), if finish.is_none() => match item {
                Some(Item::Frame(frame, tx)) => {
                    call.send(&frame);
                    pending.push_back(Pending { frame, index: sent, sent: Instant::now(), tx });
                    sent += 1;
                }
                Some(Item::Finish(tx)) => {
                    call.outbound = None; // half-closes the request stream
                    finish = Some((tx, Instant::now()));
                }
                None => return, // every handle dropped: dropping the call cancels it
            },
            answer = tokio::time::timeout_at(
                waiting_since.map_or_else(tokio::time::Instant::now, |t| (t + limit).into()),
                next(&mut call.responses, &what),
            ), if waiting_since.is_some() => {
                let answer = answer.unwrap_or_else(|_| Err(CloudError::new(
                    CloudErrorCode::Timeout,
                    format!("{what}: no answer within {} ms", limit.as_millis()),
                )));
                match answer {
                    Ok(Some(bytes)) => match pending.pop_front() {
                        Some(p) => {
                            moves_in_row = 0;
                            let _ = p.tx.send(Ok(bytes));
                        }
                        None => tail = Some(bytes),
                    },
                    Ok(None) => {
                        let finish = finish.take().map(|(tx, _)| tx);
                        if pending.is_empty() {
                            if let Some(tx) = finish {
                                let _ = tx.send(Ok(tail.take()));
                            }
                            return;
                        }
                        let err = CloudError::new(
                            CloudErrorCode::Internal,
                            format!("{what}: the server ended the stream without answering a frame"),
                        );
                        return fail_all(err, pending, finish, &mut items).await;
                    }
                    Err(err) => {
                        call.lease.report(&err);
                        // A move needs frames to carry over: a stream that only awaits
                        // its tail cannot get the old node's tail anywhere else.
                        let movable = err.code == CloudErrorCode::Unavailable
                            && !pending.is_empty()
                            && moves_in_row < max_moves;
                        let moved = if movable {
                            move_stream(&client, &init, &what, limit, &mut moves_in_row, max_moves).await
                        } else {
                            Err(err)
                        };
                        match moved {
                            Ok(mut next_call) => {
                                tracing::info!(what = %what, from = call.lease.address(), to = next_call.lease.address(), frames = pending.len(), "stream moved to another replica");
                                moves
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .push(pending.front().map_or(sent, |p| p.index));
                                for p in &pending {
                                    next_call.send(&p.frame);
                                }
                                if finish.is_some() {
                                    next_call.outbound = None;
                                }
                                tail = None;
                                call = next_call;
                            }
                            Err(err) => {
                                let finish = finish.take().map(|(tx, _)| tx);
                                return fail_all(err, pending, finish, &mut items).await;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Opens the stream again on another replica, up to the moves allowed in a row, pausing
/// 25 ms (doubling) between failed attempts after the first.
async fn move_stream(
    client: &CloudClient,
    init: &StreamInit,
    what: &str,
    limit: Duration,
    moves_in_row: &mut u32,
    max_moves: u32,
) -> Result<Call, CloudError> {
    loop {
        *moves_in_row += 1;
        match open(client, init, what, limit).await {
            Ok(call) => return Ok(call),
            Err(err) if err.code == CloudErrorCode::Unavailable && *moves_in_row < max_moves => {
                tokio::time::sleep(Duration::from_millis(25 << (*moves_in_row - 1).min(5))).await;
            }
            Err(err) => return Err(err),
        }
    }
}
