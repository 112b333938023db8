//! Where a client's replicas come from: the endpoints it was given, and DNS names that
//! stand for many replicas (a Kubernetes headless Service) — `dns:///name:port`, gRPC's
//! naming syntax, resolved to every address the name has and resolved again
//! periodically, so replicas that come and go are followed.
//!
//! A plain `host:port` (or `http://` / `https://` URL) is one replica: its connection
//! resolves the name itself and takes one of its addresses, as any HTTP client does.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use super::error::{CloudError, CloudErrorCode};

/// What a resolver answers: the addresses of a name, in any order.
pub type Resolution = Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>>;

/// Resolves `dns:///` names. The default asks the system resolver (`getaddrinfo`, as
/// `/etc/resolv.conf` and `/etc/hosts` say); tests and embedders can give their own.
#[derive(Clone)]
pub struct Resolver(Arc<dyn Fn(&str, u16) -> Resolution + Send + Sync>);

impl Resolver {
    /// A resolver from a function of (host, port).
    pub fn new(resolve: impl Fn(&str, u16) -> Resolution + Send + Sync + 'static) -> Self {
        Self(Arc::new(resolve))
    }

    /// The system resolver.
    pub fn system() -> Self {
        Self::new(|host, port| {
            let host = host.to_owned();
            Box::pin(async move {
                Ok(tokio::net::lookup_host((host.as_str(), port))
                    .await?
                    .collect())
            })
        })
    }

    pub(crate) fn resolve(&self, host: &str, port: u16) -> Resolution {
        (self.0)(host, port)
    }
}

impl Default for Resolver {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Resolver")
    }
}

/// One endpoint as given.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// One replica at this address (`host:port`, `http://…`, `https://…`).
    Fixed(String),
    /// Every address of `host`, on `port`.
    Dns { host: String, port: u16 },
}

/// The gRPC default port, used when a `dns:` target names none.
const DEFAULT_PORT: u16 = 443;

impl Target {
    /// Reads `dns:///host:port`, `dns:host:port` (gRPC naming) or anything else as a
    /// fixed address (checked when its connection is built).
    pub(crate) fn parse(endpoint: &str) -> Result<Self, CloudError> {
        let Some(rest) = endpoint.strip_prefix("dns:") else {
            return Ok(Target::Fixed(endpoint.to_owned()));
        };
        let invalid = |why: &str| {
            CloudError::new(
                CloudErrorCode::InvalidOptions,
                format!("endpoint {endpoint:?}: {why}; expected dns:///host:port"),
            )
        };
        let name = match rest.strip_prefix("//") {
            Some(authority_and_name) => match authority_and_name.split_once('/') {
                Some(("", name)) => name,
                Some(_) => {
                    return Err(invalid(
                        "a DNS server in the authority is not supported (the system resolver is used)",
                    ))
                }
                None => return Err(invalid("the name is missing after dns://")),
            },
            None => rest,
        };
        let (host, port) = match name.rsplit_once(':') {
            // An IPv6 literal needs brackets to carry a port: [::1]:50052.
            Some((host, port)) if !host.contains(':') || host.starts_with('[') => (
                host,
                port.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| invalid("the port must be 1..65535"))?,
            ),
            _ => (name, DEFAULT_PORT),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
            return Err(invalid("the host name is empty or not a name"));
        }
        Ok(Target::Dns {
            host: host.to_owned(),
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_follow_grpc_naming() {
        let dns = |h: &str, p| Target::Dns {
            host: h.into(),
            port: p,
        };
        assert_eq!(
            Target::parse("dns:///edgemix.default.svc.cluster.local:50052"),
            Ok(dns("edgemix.default.svc.cluster.local", 50052))
        );
        assert_eq!(Target::parse("dns:localhost:7"), Ok(dns("localhost", 7)));
        assert_eq!(Target::parse("dns:///edgemix"), Ok(dns("edgemix", 443)));
        assert_eq!(Target::parse("dns:///[::1]:9"), Ok(dns("::1", 9)));
        assert_eq!(
            Target::parse("http://10.0.0.1:50052"),
            Ok(Target::Fixed("http://10.0.0.1:50052".into()))
        );
        for bad in [
            "dns://8.8.8.8/edgemix:50052",
            "dns:///edgemix:0",
            "dns:///edgemix:port",
            "dns:///:50052",
            "dns://",
            "dns:///a/b:1",
        ] {
            let err = Target::parse(bad).unwrap_err();
            assert_eq!(err.code, CloudErrorCode::InvalidOptions, "{bad}");
            assert!(err.message.contains("expected dns:///host:port"), "{bad}: {err}");
        }
    }
}
