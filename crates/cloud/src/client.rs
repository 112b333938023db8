//! A client of the RemoteExecutionService.
//!
//! One HTTP/2 connection per replica, shared by the client's clones: made on first use
//! (a client created while the cloud is down works once it comes up), with HTTP/2
//! keepalive so a dead peer is noticed between calls. Replicas are the endpoints given
//! and every address of a `dns:///name:port` endpoint (re-resolved every
//! `resolve_interval`); calls and streams are balanced over them by least outstanding
//! requests, with health checking (see `balance`).
//!
//! Every call has a deadline (the request's, else the client's `timeout`), sent as
//! `grpc-timeout` and enforced locally. `GetStatus` and `ListNodes` are idempotent and
//! retried with exponential backoff on UNAVAILABLE within their deadline. `ExecuteNode`
//! is retried only when no connection could be made (the request never left, so it
//! cannot have run): once sent it may have run a node with effects beyond the answer (a
//! WASM module's remote calls, a test `Delay`), and the caller usually has a faster
//! fallback (the edge) than a second round trip.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use tokio::sync::OnceCell;
use tonic::metadata::MetadataValue;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};
use tonic::{Request, Status};

use super::balance::{Lease, ReplicaState, Set};
use super::error::{CloudError, CloudErrorCode};
use super::proto::remote_execution_service_client::RemoteExecutionServiceClient;
use super::proto::{ExecuteNodeRequest, ListNodesRequest, ServiceStatus, StatusRequest};
use super::resolve::{Resolver, Target};
use super::serialization::Serialization;
use super::stream::CloudStream;

/// TLS settings of a client (used for `https://` endpoints).
#[derive(Debug, Clone, Default)]
pub struct ClientTls {
    /// CA certificate(s) to trust, PEM (required: no system roots are built in).
    pub ca_pem: Option<Vec<u8>>,
    /// Name to verify the server certificate against (default: the endpoint's host).
    pub domain: Option<String>,
}

/// How a client reaches the cloud.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Server addresses: `http://host:port`, `https://host:port` or `host:port` (one
    /// replica each), or `dns:///name:port` (every address the name resolves to; TLS
    /// when `tls` is given, verified against the name). Calls are balanced over them all.
    pub endpoints: Vec<String>,
    /// Deadline of a call without its own. Default 5 s.
    pub timeout: Duration,
    /// Limit for establishing a connection. Default 2 s.
    pub connect_timeout: Duration,
    /// Sent as `authorization: Bearer <token>`.
    pub token: Option<String>,
    pub tls: Option<ClientTls>,
    /// Extra attempts of an idempotent call after UNAVAILABLE. Default 3.
    pub retries: u32,
    /// HTTP/2 keepalive ping interval. Default 20 s.
    pub keepalive: Duration,
    /// How often `dns:///` names are resolved again (also soon after a replica fails).
    /// Default 10 s.
    pub resolve_interval: Duration,
    /// Resolves `dns:///` names. Default: the system resolver.
    pub resolver: Resolver,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            endpoints: vec!["http://127.0.0.1:50052".into()],
            timeout: Duration::from_secs(5),
            connect_timeout: Duration::from_secs(2),
            token: None,
            tls: None,
            retries: 3,
            keepalive: Duration::from_secs(20),
            resolve_interval: Duration::from_secs(10),
            resolver: Resolver::system(),
        }
    }
}

/// `GetStatus`, decoded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceState {
    /// "healthy", "degraded", "unhealthy", "starting", "stopping" or "unspecified".
    pub status: String,
    pub version: String,
    pub uptime_seconds: i64,
    pub total_requests: i64,
    pub successful_requests: i64,
    pub failed_requests: i64,
    pub active_sessions: i32,
}

/// One parameter of a node, as `ListNodes` describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParameterDescription {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
    pub required: bool,
    pub default_value: String,
}

/// One node, as `ListNodes` describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeDescription {
    pub node_type: String,
    pub category: String,
    pub description: String,
    pub parameters: Vec<ParameterDescription>,
}

pub(crate) struct Inner {
    pub options: ClientOptions,
    targets: Vec<Target>,
    replicas: OnceCell<Arc<Set>>,
    token: Option<MetadataValue<tonic::metadata::Ascii>>,
}

/// A client of one server or a balanced set; cheap to clone (clones share the channel).
#[derive(Clone)]
pub struct CloudClient {
    pub(crate) inner: Arc<Inner>,
}

fn invalid(message: String) -> CloudError {
    CloudError::new(CloudErrorCode::InvalidOptions, message)
}

/// The connection settings of `address`; `name` is what a TLS certificate is checked
/// against when no `tls.domain` is given (default: the address's host).
fn endpoint(
    address: &str,
    options: &ClientOptions,
    name: Option<&str>,
) -> Result<Endpoint, CloudError> {
    let uri = if address.contains("://") {
        address.to_owned()
    } else {
        format!("http://{address}")
    };
    let mut endpoint = Endpoint::from_shared(uri.clone())
        .map_err(|e| invalid(format!("endpoint {address:?} is not a valid address ({e}): expected http://host:port or host:port")))?
        .connect_timeout(options.connect_timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(options.keepalive)
        .keep_alive_timeout(Duration::from_secs(10))
        .keep_alive_while_idle(true);
    if uri.starts_with("https://") {
        let tls = options.tls.clone().unwrap_or_default();
        let ca = tls.ca_pem.ok_or_else(|| {
            invalid(format!(
                "endpoint {address:?} uses https: give the CA certificate (tls.caPem)"
            ))
        })?;
        let mut config = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca));
        if let Some(domain) = tls.domain.as_deref().or(name) {
            config = config.domain_name(domain);
        }
        endpoint = endpoint
            .tls_config(config)
            .map_err(|e| invalid(format!("TLS settings of {address:?}: {e}")))?;
    } else if !uri.starts_with("http://") {
        return Err(invalid(format!(
            "endpoint {address:?}: allowed schemes are http:// and https://"
        )));
    }
    Ok(endpoint)
}

/// A config object as the wire's string map: strings as they are, other values as JSON
/// text (which the server reads back as JSON).
fn string_map(config: &Value) -> Result<HashMap<String, String>, CloudError> {
    match config {
        Value::Null => Ok(HashMap::new()),
        Value::Object(map) => Ok(map
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    },
                )
            })
            .collect()),
        other => Err(invalid(format!(
            "node config must be an object of parameters, received {other}"
        ))),
    }
}

fn service_status(code: i32) -> &'static str {
    match ServiceStatus::try_from(code).unwrap_or(ServiceStatus::Unspecified) {
        ServiceStatus::Healthy => "healthy",
        ServiceStatus::Degraded => "degraded",
        ServiceStatus::Unhealthy => "unhealthy",
        ServiceStatus::Starting => "starting",
        ServiceStatus::Stopping => "stopping",
        ServiceStatus::Unspecified => "unspecified",
    }
}

impl CloudClient {
    /// Checks the options; connects only when a call needs it.
    pub fn new(options: ClientOptions) -> Result<Self, CloudError> {
        if options.endpoints.is_empty() {
            return Err(invalid("endpoints is empty: give at least one server address such as http://127.0.0.1:50052".into()));
        }
        if options.timeout.is_zero() || options.connect_timeout.is_zero() {
            return Err(invalid("timeouts must be above 0 ms".into()));
        }
        if options.resolve_interval < Duration::from_secs(1) {
            return Err(invalid("resolve interval must be at least 1000 ms".into()));
        }
        let targets = options
            .endpoints
            .iter()
            .map(|a| Target::parse(a))
            .collect::<Result<Vec<_>, _>>()?;
        // Checked now so that a bad address fails here, not on the first call.
        for target in &targets {
            if let Target::Fixed(address) = target {
                endpoint(address, &options, None)?;
            }
        }
        let token = options
            .token
            .as_deref()
            .map(|t| {
                format!("Bearer {t}")
                    .parse()
                    .map_err(|_| invalid("token must be printable ASCII".into()))
            })
            .transpose()?;
        Ok(Self {
            inner: Arc::new(Inner {
                options,
                targets,
                replicas: OnceCell::new(),
                token,
            }),
        })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// The replicas, made on first use (inside the runtime that needs them).
    async fn replica_set(&self) -> &Arc<Set> {
        self.inner
            .replicas
            .get_or_init(|| async {
                let options = self.inner.options.clone();
                let make = move |target: &Target, address: Option<std::net::SocketAddr>| {
                    match (target, address) {
                        (Target::Dns { host, .. }, Some(address)) => {
                            let scheme = if options.tls.is_some() { "https" } else { "http" };
                            endpoint(&format!("{scheme}://{address}"), &options, Some(host))
                        }
                        (Target::Fixed(given), _) => endpoint(given, &options, None),
                        (Target::Dns { host, .. }, None) => Err(invalid(format!(
                            "{host} must be resolved before it is called"
                        ))),
                    }
                };
                Set::start(
                    self.inner.targets.clone(),
                    self.inner.options.resolver.clone(),
                    self.inner.options.resolve_interval,
                    Box::new(make),
                )
                .await
            })
            .await
    }

    /// The replica for the next call or stream (see `balance`).
    pub(crate) async fn lease(&self) -> Result<Lease, CloudError> {
        self.replica_set().await.pick()
    }

    /// The service on `lease`'s replica.
    pub(crate) fn grpc(lease: &Lease) -> RemoteExecutionServiceClient<Channel> {
        RemoteExecutionServiceClient::new(lease.channel())
            .max_decoding_message_size(usize::MAX)
            .max_encoding_message_size(usize::MAX)
    }

    /// Runs `call` on the service of the next replica, reporting a failure to reach it.
    async fn on_replica<T, Fut>(
        &self,
        call: impl FnOnce(RemoteExecutionServiceClient<Channel>) -> Fut,
    ) -> Result<T, CloudError>
    where
        Fut: std::future::Future<Output = Result<T, CloudError>>,
    {
        let lease = self.lease().await?;
        let outcome = call(Self::grpc(&lease)).await;
        if let Err(err) = &outcome {
            lease.report(err);
        }
        outcome
    }

    /// Every replica as this client sees it now (empty before the first call).
    pub fn replicas(&self) -> Vec<ReplicaState> {
        self.inner
            .replicas
            .get()
            .map(|set| set.states())
            .unwrap_or_default()
    }

    pub(crate) fn request<T>(&self, message: T, deadline: Option<Duration>) -> Request<T> {
        let mut request = Request::new(message);
        if let Some(deadline) = deadline {
            request.set_timeout(deadline);
        }
        if let Some(token) = &self.inner.token {
            request
                .metadata_mut()
                .insert("authorization", token.clone());
        }
        request
    }

    /// Runs one call within `deadline`.
    async fn within<T>(
        &self,
        what: &str,
        deadline: Duration,
        call: impl std::future::Future<Output = Result<tonic::Response<T>, Status>>,
    ) -> Result<T, CloudError> {
        match tokio::time::timeout(deadline, call).await {
            Ok(Ok(response)) => Ok(response.into_inner()),
            Ok(Err(status)) => Err(CloudError::from_status(&status, what)),
            Err(_) => Err(CloudError::new(
                CloudErrorCode::Timeout,
                format!("{what}: no answer within {} ms", deadline.as_millis()),
            )),
        }
    }

    /// A call retried while `retry` says so of its error and `deadline` allows: the first
    /// retry at once (it goes to another replica: the failed one is out of rotation),
    /// later ones after a backoff (25 ms, doubling, with jitter); each attempt gets the
    /// time left.
    async fn retrying<T, F, Fut>(
        &self,
        what: &str,
        deadline: Duration,
        retry: impl Fn(&CloudError) -> bool,
        mut call: F,
    ) -> Result<T, CloudError>
    where
        F: FnMut(Duration) -> Fut,
        Fut: std::future::Future<Output = Result<T, CloudError>>,
    {
        let end = Instant::now() + deadline;
        let mut backoff = Duration::from_millis(25);
        let mut attempt = 0;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(CloudError::new(
                    CloudErrorCode::Timeout,
                    format!("{what}: no answer within {} ms", deadline.as_millis()),
                ));
            }
            match call(left).await {
                Err(err) if retry(&err) && attempt < self.inner.options.retries && attempt == 0 => {
                    tracing::debug!(what, %err, "retrying at once on another replica");
                    attempt += 1;
                }
                Err(err) if retry(&err) && attempt < self.inner.options.retries => {
                    let jitter = Duration::from_micros(
                        u64::from(std::process::id() ^ attempt).wrapping_mul(7919) % 10_000,
                    );
                    let pause =
                        (backoff + jitter).min(end.saturating_duration_since(Instant::now()));
                    if pause.is_zero() {
                        return Err(err);
                    }
                    tracing::debug!(
                        what,
                        attempt,
                        pause_ms = pause.as_millis() as u64,
                        "retrying after UNAVAILABLE"
                    );
                    tokio::time::sleep(pause).await;
                    backoff *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Runs `node_type` once on `input` (a fresh node instance on the server).
    pub async fn execute(
        &self,
        node_type: &str,
        config: &Value,
        format: Serialization,
        input: Bytes,
        deadline: Option<Duration>,
    ) -> Result<Bytes, CloudError> {
        let what = format!("ExecuteNode {node_type}");
        let deadline = deadline.unwrap_or(self.inner.options.timeout);
        let message = ExecuteNodeRequest {
            node_type: node_type.to_owned(),
            config: string_map(config)?,
            input_data: input,
            serialization_format: format.as_str().to_owned(),
            options: None,
        };
        let response = self
            .retrying(&what, deadline, CloudError::not_sent, |left| {
                let request = self.request(message.clone(), Some(left));
                let what = &what;
                self.on_replica(move |mut grpc| async move {
                    self.within(what, left, grpc.execute_node(request)).await
                })
            })
            .await?;
        Ok(response.output_data)
    }

    /// `GetStatus` (retried on UNAVAILABLE).
    pub async fn status(&self) -> Result<ServiceState, CloudError> {
        self.retrying(
            "GetStatus",
            self.inner.options.timeout,
            CloudError::unavailable,
            |left| async move {
                let request = self.request(
                    StatusRequest {
                        include_metrics: true,
                        include_sessions: false,
                    },
                    Some(left),
                );
                let response = self
                    .on_replica(|mut grpc| async move {
                        self.within("GetStatus", left, grpc.get_status(request))
                            .await
                    })
                    .await?;
                let metrics = response.metrics.unwrap_or_default();
                Ok(ServiceState {
                    status: service_status(response.status).to_owned(),
                    version: response.version,
                    uptime_seconds: response.uptime_seconds,
                    total_requests: metrics.total_requests,
                    successful_requests: metrics.successful_requests,
                    failed_requests: metrics.failed_requests,
                    active_sessions: metrics.active_sessions,
                })
            },
        )
        .await
    }

    /// `ListNodes` (retried on UNAVAILABLE); `category` "" lists all.
    pub async fn list_nodes(&self, category: &str) -> Result<Vec<NodeDescription>, CloudError> {
        self.retrying(
            "ListNodes",
            self.inner.options.timeout,
            CloudError::unavailable,
            |left| async move {
                let request = self.request(
                    ListNodesRequest {
                        category: category.to_owned(),
                    },
                    Some(left),
                );
                let response = self
                    .on_replica(|mut grpc| async move {
                        self.within("ListNodes", left, grpc.list_nodes(request))
                            .await
                    })
                    .await?;
                Ok(response
                    .available_nodes
                    .into_iter()
                    .map(|node| NodeDescription {
                        node_type: node.node_type,
                        category: node.category,
                        description: node.description,
                        parameters: node
                            .parameters
                            .into_iter()
                            .map(|p| ParameterDescription {
                                name: p.name,
                                kind: p.r#type,
                                description: p.description,
                                required: p.required,
                                default_value: p.default_value,
                            })
                            .collect(),
                    })
                    .collect())
            },
        )
        .await
    }

    /// A `StreamNode` session; the call starts with the first `send`.
    pub fn stream(
        &self,
        node_type: &str,
        config: &Value,
        format: Serialization,
    ) -> Result<CloudStream, CloudError> {
        Ok(CloudStream::new(
            self.clone(),
            node_type.to_owned(),
            string_map(config)?,
            format,
        ))
    }
}
