//! The RemoteExecutionService implementation: nodes run on the blocking pool, at most
//! `concurrency` at once.
//!
//! A call abandoned at its deadline, cancelled by the client or whose stream's client went
//! away has its work cancelled (`edgemix_runtime::cancel`): a sleeping `Delay` or a spinning WASM
//! guest stops within a few ms and gives its concurrency slot back; other nodes finish the
//! input they hold (which the message size bounds) and keep the slot until then.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, Semaphore};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Code, Request, Response, Status, Streaming};

use super::proto::remote_execution_service_server::RemoteExecutionService;
use super::proto::{
    stream_data, ExecuteNodeRequest, ExecuteNodeResponse, ExecutionMetrics, ExecutionStatus,
    ListNodesRequest, ListNodesResponse, NodeInfo, ParameterInfo, ServiceMetrics, ServiceStatus,
    SessionInfo, StatusRequest, StatusResponse, StreamData, StreamInit, NODE_TYPE_HEADER,
};
use super::metrics::{self, Counted, OpenStream};
use super::serialization::{decode, encode, Envelope, Serialization};
use edgemix_runtime::cancel;
use crate::nodes::{clip, echo, Node, NodeContext, NodeError, NodeErrorKind, NodeRegistry, MESSAGE_CHARS};

/// Responses a stream may have queued before the client reads them.
const STREAM_QUEUE: usize = 32;

fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn node_code(err: &NodeError) -> Code {
    match err.kind {
        NodeErrorKind::InvalidArgument => Code::InvalidArgument,
        NodeErrorKind::ResourceExhausted => Code::ResourceExhausted,
        NodeErrorKind::DeadlineExceeded => Code::DeadlineExceeded,
        NodeErrorKind::Internal => Code::Internal,
    }
}

/// The status of a node's error. Its message is cut to [`MESSAGE_CHARS`]: messages echo
/// input (each echo is already short, see `nodes::echo`), and a status travels in a
/// header, where a long one would fail the reply.
pub(crate) fn node_status(err: NodeError) -> Status {
    let message = clip(&err.message, MESSAGE_CHARS).into_owned();
    Status::new(node_code(&err), message)
}

#[derive(Default)]
struct Counters {
    total: AtomicI64,
    succeeded: AtomicI64,
    failed: AtomicI64,
    duration_ms: AtomicI64,
}

/// State shared by every request of one server.
pub(crate) struct Shared {
    pub registry: Arc<NodeRegistry>,
    pub context: NodeContext,
    pub permits: Arc<Semaphore>,
    pub concurrency: usize,
    /// How long a new stream may take to send its init message.
    pub init_timeout: Duration,
    pub started: Instant,
    pub stopping: AtomicBool,
    counters: Counters,
    sessions: Mutex<HashMap<u64, SessionInfo>>,
    next_session: AtomicU64,
}

impl Shared {
    pub fn new(
        registry: Arc<NodeRegistry>,
        context: NodeContext,
        concurrency: usize,
        init_timeout: Duration,
    ) -> Self {
        Self {
            registry,
            context,
            permits: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            init_timeout,
            started: Instant::now(),
            stopping: AtomicBool::new(false),
            counters: Counters::default(),
            sessions: Mutex::default(),
            next_session: AtomicU64::new(1),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<u64, SessionInfo>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self, ok: bool, elapsed: Duration) {
        self.counters.total.fetch_add(1, Ordering::Relaxed);
        let counter = if ok {
            &self.counters.succeeded
        } else {
            &self.counters.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.counters
            .duration_ms
            .fetch_add(elapsed.as_millis() as i64, Ordering::Relaxed);
    }

    /// Runs `job` on the blocking pool once a concurrency permit is free. Dropping this
    /// future (the call was abandoned) cancels the job's [`cancel`] token; the permit stays
    /// with the job until it has stopped, so that calls abandoned one after another can
    /// never run more than `concurrency` nodes at once. A job that looks at the token (a
    /// `Delay`, a WASM guest) stops, and gives the slot back, within a few ms.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> Result<T, Status> + Send + 'static,
    ) -> Result<T, Status> {
        let waiting = Counted::waiting();
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| Status::unavailable("the server is shutting down"))?;
        drop(waiting);
        let token = cancel::Token::new();
        let _abandoned = token.cancel_on_drop();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            if token.is_cancelled() {
                return Err(Status::cancelled("the call was abandoned before it started"));
            }
            let _running = Counted::running();
            cancel::scope(&token, job)
        })
        .await
        .map_err(|e| Status::internal(format!("a node failed unexpectedly: {e}")))?
    }

    pub(crate) fn create(
        &self,
        node_type: &str,
        config: &HashMap<String, String>,
    ) -> Result<Box<dyn Node>, Status> {
        self.registry
            .create(node_type, config, &self.context)
            .map_err(node_status)
    }
}

pub(crate) struct Service {
    pub shared: Arc<Shared>,
}

fn format_of(name: &str) -> Result<Serialization, Status> {
    name.parse().map_err(node_status)
}

impl Service {
    async fn execute(&self, request: ExecuteNodeRequest) -> Result<Vec<u8>, Status> {
        let format = format_of(&request.serialization_format)?;
        let shared = Arc::clone(&self.shared);
        self.shared
            .run(move || {
                execute_once(
                    &shared.registry,
                    &shared.context,
                    &request.node_type,
                    &request.config,
                    format,
                    &request.input_data,
                )
                .map_err(node_status)
            })
            .await
    }
}

/// One `ExecuteNode` request on the calling thread: a new instance of `node_type`
/// configured by the wire's string map, the input decoded from `format`, processed whole,
/// the output encoded in `format` in the shape the input had. The service runs it on the
/// blocking pool; anything else that must answer a request the same way calls it too.
pub fn execute_once(
    registry: &NodeRegistry,
    context: &NodeContext,
    node_type: &str,
    config: &HashMap<String, String>,
    format: Serialization,
    input: &[u8],
) -> Result<Vec<u8>, NodeError> {
    let mut node = registry.create(node_type, config, context)?;
    let (input, envelope) = decode(format, input)?;
    let started = Instant::now();
    let output = node.process_whole(input)?;
    metrics::node_time(metrics::node_label(registry, node_type), started.elapsed());
    encode(format, &output, envelope)
}

#[tonic::async_trait]
impl RemoteExecutionService for Service {
    async fn execute_node(
        &self,
        request: Request<ExecuteNodeRequest>,
    ) -> Result<Response<ExecuteNodeResponse>, Status> {
        let started_at = SystemTime::now();
        let started = Instant::now();
        let request = request.into_inner();
        let node_type = request.node_type.clone();
        let input_size = request.input_data.len() as i64;
        // The Python client puts its deadline in the options (it sends no grpc-timeout);
        // tonic applies a grpc-timeout header itself.
        let limit = request.options.as_ref().map_or(0, |o| o.timeout_seconds);
        let outcome = if limit > 0 {
            match tokio::time::timeout(Duration::from_secs(limit as u64), self.execute(request))
                .await
            {
                Ok(outcome) => outcome,
                Err(_) => Err(Status::deadline_exceeded(format!(
                    "{} did not finish within timeout_seconds = {limit}",
                    echo(&node_type)
                ))),
            }
        } else {
            self.execute(request).await
        };
        let elapsed = started.elapsed();
        self.shared.count(outcome.is_ok(), elapsed);
        let code = outcome.as_ref().err().map_or(Code::Ok, Status::code);
        let label = metrics::node_label(&self.shared.registry, &node_type);
        metrics::request("ExecuteNode", label, code, elapsed);
        match outcome {
            Ok(output) => {
                tracing::debug!(node = %echo(&node_type), bytes_in = input_size, bytes_out = output.len(), micros = elapsed.as_micros() as u64, "ExecuteNode");
                let mut response = Response::new(ExecuteNodeResponse {
                    status: ExecutionStatus::Success as i32,
                    metrics: Some(ExecutionMetrics {
                        start_timestamp: unix_seconds(started_at),
                        end_timestamp: unix_seconds(SystemTime::now()),
                        duration_ms: elapsed.as_millis() as i64,
                        input_size_bytes: input_size,
                        output_size_bytes: output.len() as i64,
                        ..Default::default()
                    }),
                    output_data: output.into(),
                    ..Default::default()
                });
                // A registered node's name is ASCII: it always fits a header.
                if let Ok(name) = node_type.parse() {
                    response.metadata_mut().insert(NODE_TYPE_HEADER, name);
                }
                Ok(response)
            }
            Err(status) => {
                tracing::info!(node = %echo(&node_type), code = ?status.code(), message = status.message(), "ExecuteNode refused");
                Err(status)
            }
        }
    }

    type StreamNodeStream = ReceiverStream<Result<StreamData, Status>>;

    async fn stream_node(
        &self,
        request: Request<Streaming<StreamData>>,
    ) -> Result<Response<Self::StreamNodeStream>, Status> {
        let inbound = request.into_inner();
        let (tx, rx) = mpsc::channel(STREAM_QUEUE);
        tokio::spawn(run_stream(Arc::clone(&self.shared), inbound, tx));
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn get_status(
        &self,
        request: Request<StatusRequest>,
    ) -> Result<Response<StatusResponse>, Status> {
        let request = request.into_inner();
        let shared = &self.shared;
        let sessions = shared.sessions();
        let c = &shared.counters;
        let total = c.total.load(Ordering::Relaxed);
        let metrics = request.include_metrics.then(|| ServiceMetrics {
            total_requests: total,
            successful_requests: c.succeeded.load(Ordering::Relaxed),
            failed_requests: c.failed.load(Ordering::Relaxed),
            average_duration_ms: c
                .duration_ms
                .load(Ordering::Relaxed)
                .checked_div(total)
                .unwrap_or(0),
            active_sessions: sessions.len() as i32,
            available_workers: shared.permits.available_permits() as i32,
            busy_workers: (shared.concurrency - shared.permits.available_permits()) as i32,
            ..Default::default()
        });
        let active_sessions = if request.include_sessions {
            sessions.values().cloned().collect()
        } else {
            Vec::new()
        };
        let status = if shared.stopping.load(Ordering::Relaxed) {
            ServiceStatus::Stopping
        } else {
            ServiceStatus::Healthy
        };
        Ok(Response::new(StatusResponse {
            status: status as i32,
            metrics,
            active_sessions,
            version: concat!("edgemix ", env!("CARGO_PKG_VERSION")).to_owned(),
            uptime_seconds: shared.started.elapsed().as_secs() as i64,
        }))
    }

    async fn list_nodes(
        &self,
        request: Request<ListNodesRequest>,
    ) -> Result<Response<ListNodesResponse>, Status> {
        let category = request.into_inner().category;
        let available_nodes = self
            .shared
            .registry
            .specs()
            .filter(|spec| category.is_empty() || spec.category == category)
            .map(|spec| NodeInfo {
                node_type: spec.name.to_owned(),
                category: spec.category.to_owned(),
                description: spec.description.to_owned(),
                parameters: spec
                    .params
                    .iter()
                    .map(|p| ParameterInfo {
                        name: p.name.to_owned(),
                        r#type: p.kind.name().to_owned(),
                        description: p.description(),
                        required: p.required,
                        default_value: p.default.clone(),
                        source_class: spec.name.to_owned(),
                    })
                    .collect(),
            })
            .collect();
        Ok(Response::new(ListNodesResponse { available_nodes }))
    }
}

type Outbound = mpsc::Sender<Result<StreamData, Status>>;

/// Reports `status` in a message's `error_message`, then ends the stream with it.
async fn fail(tx: &Outbound, status: Status) {
    tracing::info!(code = ?status.code(), message = status.message(), "StreamNode ended with an error");
    let report = StreamData {
        payload: None,
        error_message: status.message().to_owned(),
        ..Default::default()
    };
    if tx.send(Ok(report)).await.is_ok() {
        let _ = tx.send(Err(status)).await;
    }
}

/// The answer to data message `sequence` (1-based; the tail is one past the last) of a
/// stream of `node_type`, numbered and named so that a client can tell a stray answer.
fn data(bytes: Vec<u8>, sequence: u64, node_type: &str) -> StreamData {
    StreamData {
        payload: Some(stream_data::Payload::Data(bytes.into())),
        error_message: String::new(),
        sequence,
        node_type: node_type.to_owned(),
    }
}

/// Removes a stream's session entry however the stream ends.
struct SessionGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for SessionGuard<'_> {
    fn drop(&mut self) {
        self.shared.sessions().remove(&self.id);
    }
}

async fn run_stream(shared: Arc<Shared>, mut inbound: Streaming<StreamData>, tx: Outbound) {
    let first = match tokio::time::timeout(shared.init_timeout, inbound.message()).await {
        Ok(first) => first,
        Err(_) => {
            return fail(
                &tx,
                Status::deadline_exceeded(format!(
                    "StreamNode: no init message within {} ms of opening the stream",
                    shared.init_timeout.as_millis()
                )),
            )
            .await
        }
    };
    let init: StreamInit = match first {
        Ok(Some(StreamData { payload: Some(stream_data::Payload::Init(init)), .. })) => init,
        Ok(Some(_)) => {
            return fail(
                &tx,
                Status::failed_precondition(
                    "StreamNode: the first message must set init (node_type, config, serialization_format); data came first",
                ),
            )
            .await
        }
        Ok(None) => return,
        Err(status) => return fail(&tx, status).await,
    };
    let format = match format_of(&init.serialization_format) {
        Ok(format) => format,
        Err(status) => return fail(&tx, status).await,
    };
    let creator = Arc::clone(&shared);
    let (node_type, config) = (init.node_type.clone(), init.config);
    let created = tokio::select! {
        created = shared.run(move || creator.create(&node_type, &config)) => created,
        // The client went away: dropping the call frees its slot and cancels it.
        _ = tx.closed() => return,
    };
    let mut node = match created {
        Ok(node) => node,
        Err(status) => return fail(&tx, status).await,
    };
    let id = shared.next_session.fetch_add(1, Ordering::Relaxed);
    let now = unix_seconds(SystemTime::now());
    shared.sessions().insert(
        id,
        SessionInfo {
            session_id: id.to_string(),
            node_type: init.node_type.clone(),
            created_timestamp: now,
            last_activity: now,
            processed_items: 0,
        },
    );
    let _session = SessionGuard {
        shared: &shared,
        id,
    };
    let label = metrics::node_label(&shared.registry, &init.node_type);
    let _open = OpenStream::new(label);
    tracing::debug!(session = id, node = %echo(&init.node_type), %format, "StreamNode opened");
    // The flushed tail takes the shape of the last input.
    let mut last_envelope = Envelope::Flat;
    let mut answered: u64 = 0;
    loop {
        let message = match inbound.message().await {
            Ok(Some(message)) => message,
            Ok(None) => break,
            Err(status) => {
                // The client went away (cancelled, reset) or sent a broken message.
                tracing::debug!(session = id, code = ?status.code(), message = status.message(), "StreamNode inbound ended");
                return fail(&tx, status).await;
            }
        };
        let bytes = match message.payload {
            Some(stream_data::Payload::Data(bytes)) => bytes,
            Some(stream_data::Payload::Init(_)) => {
                return fail(
                    &tx,
                    Status::failed_precondition(
                        "StreamNode: init may only be sent once, as the first message",
                    ),
                )
                .await
            }
            None => {
                return fail(
                    &tx,
                    Status::invalid_argument("StreamNode: a message must set init or data"),
                )
                .await
            }
        };
        let started = Instant::now();
        let processed = shared.run(move || {
            let result = decode(format, &bytes).and_then(|(input, envelope)| {
                let started = Instant::now();
                let output = node.process(input);
                metrics::node_time(label, started.elapsed());
                output
                    .and_then(|out| encode(format, &out, envelope))
                    .map(|bytes| (bytes, envelope))
            });
            Ok((node, result))
        });
        let outcome = tokio::select! {
            outcome = processed => outcome,
            _ = tx.closed() => return,
        };
        let (returned, result) = match outcome {
            Ok(pair) => pair,
            Err(status) => return fail(&tx, status).await,
        };
        node = returned;
        shared.count(result.is_ok(), started.elapsed());
        let code = result.as_ref().err().map_or(Code::Ok, node_code);
        metrics::request("StreamNode", label, code, started.elapsed());
        match result {
            Ok((output, envelope)) => {
                last_envelope = envelope;
                if let Some(info) = shared.sessions().get_mut(&id) {
                    info.processed_items += 1;
                    info.last_activity = unix_seconds(SystemTime::now());
                }
                answered += 1;
                if tx.send(Ok(data(output, answered, &init.node_type))).await.is_err() {
                    return; // the client stopped reading
                }
            }
            Err(err) => return fail(&tx, node_status(err)).await,
        }
    }
    let flushed = shared
        .run(move || {
            Ok(node
                .flush()
                .and_then(|tail| tail.map(|t| encode(format, &t, last_envelope)).transpose()))
        })
        .await;
    match flushed {
        Ok(Ok(Some(tail))) => {
            let _ = tx.send(Ok(data(tail, answered + 1, &init.node_type))).await;
        }
        Ok(Ok(None)) => {}
        Ok(Err(err)) => fail(&tx, node_status(err)).await,
        Err(status) => fail(&tx, status).await,
    }
    tracing::debug!(session = id, "StreamNode closed");
}
