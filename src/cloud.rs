//! `CloudClient`: calls the cloud tier (RemoteExecutionService) from Node. Network I/O
//! runs on the tokio runtime; promises settle on the JS thread; errors carry
//! `ERR_CLOUD_*` codes.

use edgemix_wire::InputKind;
use std::time::Duration;

use bytes::Bytes;
use edgemix_cloud::{
    ClientOptions, CloudClient as Client, CloudError, CloudStream as Stream, Serialization,
};
use napi::bindgen_prelude::{Buffer, JsValue, PromiseRaw, Unknown};
use napi::{Env, ValueType};
use napi_derive::napi;
use serde::Deserialize;
use serde_json::Value;

use crate::audio::describe;
use crate::config::{options, read_object};
use crate::json::Role;
use crate::error::{Class, Failure, Fallible};
use crate::task::{reject, samples_to_js, spawn, to_js, Finish, Finished};
use crate::wasm::bytes;

/// Code of a call on a closed client.
const CLOSED: &str = "ERR_CLOUD_CLOSED";

impl From<CloudError> for Failure {
    fn from(err: CloudError) -> Self {
        let class = if err.code == edgemix_cloud::CloudErrorCode::InvalidOptions {
            Class::RangeError
        } else {
            Class::Error
        };
        Failure::new(class, err.code.as_str(), err.message)
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClientOptionsInput {
    endpoints: Vec<String>,
    timeout_ms: Option<u32>,
    connect_timeout_ms: Option<u32>,
    token: Option<String>,
    retries: Option<u32>,
    resolve_interval_ms: Option<u32>,
    ca_pem: Option<String>,
    tls_domain: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CallOptions {
    format: Option<String>,
    timeout_ms: Option<u32>,
}

/// A node output as JS sees it (public only because the #[napi] methods return it).
pub enum Payload {
    Json(Value),
    F32(Vec<f32>),
    Bytes(Vec<u8>),
}

impl Finish for Payload {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        match self {
            Payload::Json(value) => value.finish(env),
            Payload::F32(samples) => samples_to_js(env, samples),
            Payload::Bytes(bytes) => to_js(env, Buffer::from(bytes)),
        }
    }
}

impl Finish for Option<Payload> {
    fn finish(self, env: &Env) -> napi::Result<napi::sys::napi_value> {
        match self {
            Some(payload) => payload.finish(env),
            None => to_js(env, ()),
        }
    }
}

/// Decodes an answer off the JS thread.
fn payload(format: Serialization, bytes: &[u8]) -> Fallible<Payload> {
    Ok(match format {
        Serialization::Json => Payload::Json(serde_json::from_slice(bytes).map_err(|e| {
            Failure::new(
                Class::Error,
                "ERR_CLOUD_INTERNAL",
                format!("the server's json answer does not parse: {e}"),
            )
        })?),
        Serialization::F32le => Payload::F32(edgemix_wire::f32le::decode(bytes).map_err(|e| {
            Failure::new(
                Class::Error,
                "ERR_CLOUD_INTERNAL",
                format!("the server's f32le answer: {e}"),
            )
        })?),
        Serialization::Bytes => Payload::Bytes(bytes.to_vec()),
        Serialization::Pickle => return Err(pickle_refused()),
    })
}

/// The server reads pickle from Python clients; this client has typed arrays and JSON.
fn pickle_refused() -> Failure {
    Failure::new(
        Class::RangeError,
        crate::error::code::INVALID_CONFIG,
        "format \"pickle\" is for Python clients (the server accepts it from RemoteMedia's client); this client's formats: json, f32le, bytes",
    )
}

fn format_named(name: &str) -> Fallible<Serialization> {
    match name.parse() {
        Ok(Serialization::Pickle) => Err(pickle_refused()),
        Ok(format) => Ok(format),
        Err(e) => Err(Failure::new(
            Class::RangeError,
            crate::error::code::INVALID_CONFIG,
            e.message,
        )),
    }
}

/// The wire bytes of `input` and the format: given, or by the input's kind
/// ([`InputKind::default_format`]: Float32Array → f32le, Buffer/Uint8Array and strings →
/// bytes, any other value → json).
fn encode_input(
    env: &Env,
    input: &Unknown<'_>,
    format: Option<&str>,
) -> Fallible<(Serialization, Bytes)> {
    let samples = crate::audio::float32(input, "input").ok();
    let kind = if samples.is_some() {
        InputKind::Float32Array
    } else if input.is_typedarray().unwrap_or(false) || input.is_buffer().unwrap_or(false) {
        InputKind::ByteView
    } else if input.get_type().ok() == Some(ValueType::String) {
        InputKind::String
    } else {
        InputKind::JsonValue
    };
    let format = format_named(format.unwrap_or(kind.default_format()))?;
    let wire = match format {
        Serialization::Bytes if kind == InputKind::String => env
            .from_js_value::<String, _>(*input)
            .map_err(|e| Failure::arg_type(format!("The \"input\" string could not be read: {e}")))?
            .into_bytes(),
        Serialization::F32le | Serialization::Bytes => bytes(input, "input")?,
        Serialization::Pickle => return Err(pickle_refused()),
        Serialization::Json => match input.get_type() {
            Ok(ValueType::String) => env
                .from_js_value::<String, _>(*input)
                .map_err(|e| Failure::arg_type(format!("The \"input\" string could not be read: {e}")))?
                .into_bytes(),
            _ if samples.is_some() => serde_json::to_vec(&*samples.expect("checked")).expect("samples serialise"),
            _ if input.is_typedarray().unwrap_or(false) || input.is_buffer().unwrap_or(false) => bytes(input, "input")?,
            Ok(ValueType::Undefined) => {
                return Err(Failure::arg_type("The \"input\" argument is required: a Float32Array, Buffer, JSON string or JSON-serialisable value"))
            }
            _ => {
                let value = crate::json::to_json(input, "input", Role::Input, crate::json::INPUT)?;
                serde_json::to_vec(&value).expect("JSON values serialise")
            }
        },
    };
    Ok((format, wire.into()))
}

fn string_arg(env: &Env, value: &Unknown<'_>, name: &str) -> Fallible<String> {
    if value.get_type().ok() != Some(ValueType::String) {
        return Err(Failure::arg_type(format!(
            "The \"{name}\" argument must be a string, received {}",
            describe(value)
        )));
    }
    env.from_js_value(*value)
        .map_err(|e| Failure::arg_type(format!("The \"{name}\" argument could not be read: {e}")))
}

/// A client of the cloud tier: one connection pool per client, made on first use.
#[napi]
pub struct CloudClient {
    client: std::sync::Mutex<Option<Client>>,
}

type Promise<'env, R> = napi::Result<PromiseRaw<'env, Finished<R>>>;

impl CloudClient {
    pub(crate) fn client(&self) -> Fallible<Client> {
        self.client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .ok_or_else(|| {
                Failure::new(
                    Class::Error,
                    CLOSED,
                    "this CloudClient is closed: create a new one",
                )
            })
    }
}

#[napi]
impl CloudClient {
    /// Checks the options; connects lazily (a client made while the cloud is down works
    /// once it comes up).
    #[napi(constructor, ts_args_type = "options: CloudClientOptions")]
    pub fn new(env: Env, options_value: Unknown<'_>) -> napi::Result<Self> {
        let made = options::<ClientOptionsInput>(Some(&options_value), "options").and_then(
            |input| {
                let defaults = ClientOptions::default();
                Ok(Client::new(ClientOptions {
                    endpoints: input.endpoints,
                    timeout: input
                        .timeout_ms
                        .map_or(defaults.timeout, |ms| Duration::from_millis(ms.into())),
                    connect_timeout: input
                        .connect_timeout_ms
                        .map_or(defaults.connect_timeout, |ms| {
                            Duration::from_millis(ms.into())
                        }),
                    token: input.token,
                    tls: (input.ca_pem.is_some() || input.tls_domain.is_some()).then(|| {
                        edgemix_cloud::ClientTls {
                            ca_pem: input.ca_pem.map(String::into_bytes),
                            domain: input.tls_domain,
                        }
                    }),
                    retries: input.retries.unwrap_or(defaults.retries),
                    keepalive: defaults.keepalive,
                    resolve_interval: input
                        .resolve_interval_ms
                        .map_or(defaults.resolve_interval, |ms| {
                            Duration::from_millis(ms.into())
                        }),
                    resolver: defaults.resolver,
                })?)
            },
        );
        let client = crate::error::OrThrow::or_throw(made, &env)?;
        Ok(Self {
            client: std::sync::Mutex::new(Some(client)),
        })
    }

    /// Runs a node once on the server. The format defaults by the input's type
    /// (Float32Array → f32le, Buffer/Uint8Array and strings (UTF-8) → bytes, else json);
    /// the answer is a Float32Array (f32le), a Buffer (bytes) or the parsed JSON value (json).
    #[napi(
        ts_args_type = "nodeType: string, config: Record<string, unknown> | undefined | null, input: Float32Array | Buffer | Uint8Array | string | unknown, options?: CloudCallOptions",
        ts_return_type = "Promise<Float32Array | Buffer | any>"
    )]
    pub fn execute<'env>(
        &self,
        env: &'env Env,
        node_type: Unknown<'_>,
        config: Option<Unknown<'_>>,
        input: Unknown<'_>,
        call: Option<Unknown<'_>>,
    ) -> Promise<'env, Payload> {
        let prepared = (|| {
            let client = self.client()?;
            let node_type = string_arg(env, &node_type, "nodeType")?;
            let config = read_object(config.as_ref(), "config")?.unwrap_or(Value::Null);
            let call: CallOptions = options(call.as_ref(), "options")?;
            let (format, wire) = encode_input(env, &input, call.format.as_deref())?;
            let deadline = call.timeout_ms.map(|ms| Duration::from_millis(ms.into()));
            Ok(async move {
                let answer = client
                    .execute(&node_type, &config, format, wire, deadline)
                    .await?;
                payload(format, &answer)
            })
        })();
        match prepared {
            Ok(future) => spawn(env, future),
            Err(failure) => reject(env, failure),
        }
    }

    /// Every replica as this client sees it now (empty before the first call).
    #[napi(ts_return_type = "CloudReplica[]")]
    pub fn replicas(&self) -> napi::Result<Value> {
        let replicas = self.client().map(|c| c.replicas()).unwrap_or_default();
        Ok(serde_json::to_value(replicas).expect("replicas serialise"))
    }

    /// The server's health and counters.
    #[napi(ts_return_type = "Promise<CloudStatus>")]
    pub fn status<'env>(&self, env: &'env Env) -> Promise<'env, Value> {
        match self.client() {
            Ok(client) => spawn(env, async move {
                let state = client.status().await?;
                Ok(serde_json::to_value(state).expect("status serialises"))
            }),
            Err(failure) => reject(env, failure),
        }
    }

    /// The nodes the server offers, with their parameters (optionally of one category).
    #[napi(
        ts_args_type = "category?: string",
        ts_return_type = "Promise<CloudNodeInfo[]>"
    )]
    pub fn list_nodes<'env>(
        &self,
        env: &'env Env,
        category: Option<Unknown<'_>>,
    ) -> Promise<'env, Value> {
        let prepared = (|| {
            let client = self.client()?;
            let category = match &category {
                Some(value)
                    if !matches!(value.get_type(), Ok(ValueType::Undefined | ValueType::Null)) =>
                {
                    string_arg(env, value, "category")?
                }
                _ => String::new(),
            };
            Ok(async move {
                let nodes = client.list_nodes(&category).await?;
                Ok(serde_json::to_value(nodes).expect("nodes serialise"))
            })
        })();
        match prepared {
            Ok(future) => spawn(env, future),
            Err(failure) => reject(env, failure),
        }
    }

    /// Opens a StreamNode session (one node instance on the server for the whole stream).
    #[napi(
        ts_args_type = "nodeType: string, config?: Record<string, unknown> | null, options?: { format?: 'json' | 'f32le' | 'bytes' }"
    )]
    pub fn open_stream(
        &self,
        env: Env,
        node_type: Unknown<'_>,
        config: Option<Unknown<'_>>,
        call: Option<Unknown<'_>>,
    ) -> napi::Result<CloudStream> {
        let opened = (|| {
            let client = self.client()?;
            let node_type = string_arg(&env, &node_type, "nodeType")?;
            let config = read_object(config.as_ref(), "config")?.unwrap_or(Value::Null);
            let call: CallOptions = options(call.as_ref(), "options")?;
            if call.timeout_ms.is_some() {
                return Err(Failure::new(
                    Class::RangeError,
                    crate::error::code::INVALID_CONFIG,
                    "openStream options take only format; the client's timeoutMs bounds each frame",
                ));
            }
            let format = format_named(call.format.as_deref().unwrap_or("f32le"))?;
            Ok(CloudStream {
                stream: client.stream(&node_type, &config, format)?,
                format,
            })
        })();
        crate::error::OrThrow::or_throw(opened, &env)
    }

    /// Refuses further calls; calls in progress finish. Idempotent.
    #[napi(ts_return_type = "Promise<void>")]
    pub fn close<'env>(&self, env: &'env Env) -> Promise<'env, ()> {
        self.client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        spawn(env, async { Ok(()) })
    }
}

/// One StreamNode session: frames answered in the order they were sent.
#[napi]
pub struct CloudStream {
    stream: Stream,
    format: Serialization,
}

#[napi]
impl CloudStream {
    /// Sends one frame; resolves to its answer. Frames may be sent before earlier
    /// answers arrive; answers keep the order of `send` calls.
    #[napi(
        ts_args_type = "input: Float32Array | Buffer | Uint8Array | string | unknown",
        ts_return_type = "Promise<Float32Array | Buffer | any>"
    )]
    pub fn send<'env>(&self, env: &'env Env, input: Unknown<'_>) -> Promise<'env, Payload> {
        match encode_input(env, &input, Some(self.format.as_str())) {
            Ok((format, wire)) => {
                // Queued now, on the JS thread, so the order of calls is the order sent.
                let answer = self.stream.send(wire);
                spawn(env, async move { payload(format, &answer.await?) })
            }
            Err(failure) => reject(env, failure),
        }
    }

    /// The frames (0-based, in sending order) at which the stream moved to another
    /// replica because its own went away; the node there started from fresh state.
    #[napi(getter)]
    pub fn moves(&self) -> Vec<i64> {
        self.stream.moves().into_iter().map(|i| i as i64).collect()
    }

    /// Ends the stream after every frame sent; resolves to what the node flushed at the
    /// end (the mixer's limiter tail), or undefined.
    #[napi(ts_return_type = "Promise<Float32Array | Buffer | any | undefined>")]
    pub fn end<'env>(&self, env: &'env Env) -> Promise<'env, Option<Payload>> {
        let format = self.format;
        let finished = self.stream.finish();
        spawn(env, async move {
            finished
                .await?
                .map(|tail| payload(format, &tail))
                .transpose()
        })
    }
}
