//! Client-side balancing over the replicas of the cloud tier.
//!
//! Each replica has its own HTTP/2 connection (tonic's `Channel`, which reconnects by
//! itself). A call or a new stream goes to the replica with the fewest calls in flight
//! and streams open ("least outstanding requests"), ties broken round robin, so idle
//! replicas are taken in turn and a busy or slow one gets less.
//!
//! Which replicas are in rotation follows the standard `grpc.health.v1` protocol: a
//! watcher per replica keeps a `Watch` on the RemoteExecutionService (the server reports
//! NOT_SERVING while draining or when its self-test fails, and the watch breaks when the
//! connection does). A call that fails for want of the replica (UNAVAILABLE: refused,
//! reset) ejects it at once and makes its watcher ask again; it returns to rotation when
//! its health service answers SERVING, retried with backoff from 100 ms up to 1 s while
//! it does not. A server without the health service (UNIMPLEMENTED) is judged by calls
//! alone: back in rotation after the backoff, out again on the next failure. When no
//! replica is in rotation, calls go to all of them (and fail or succeed on their own):
//! a client never refuses to try.
//!
//! Why not tonic's `Channel::balance_list`: its power-of-two-choices balancer sees every
//! endpoint with a constant load of 0 (random choice, not least outstanding), and a lazy
//! endpoint that cannot connect stays "ready" and keeps receiving calls that fail; it
//! has no health checking. The connections, reconnects, HTTP/2 and the health client
//! are tonic's; this file only chooses.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use super::error::{CloudError, CloudErrorCode};
use super::proto::SERVICE_NAME;
use super::resolve::{Resolver, Target};

/// First and longest pause between health checks of a replica that is out of rotation.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(100), Duration::from_secs(1));
/// Least time between two resolutions of a name that a failure asked for.
const RESOLVE_AGAIN_AFTER: Duration = Duration::from_secs(1);

/// One replica as a client sees it (`CloudClient::replicas`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaState {
    /// The address calls go to (`http://10.1.2.3:50052`).
    pub address: String,
    /// Whether it is in rotation.
    pub serving: bool,
    /// Calls in flight and streams open on it now.
    pub active: usize,
    /// Calls and streams it was given.
    pub calls: u64,
    /// Calls and streams that failed for want of it (UNAVAILABLE).
    pub failures: u64,
}

/// Whether a replica is in rotation; shared by the replica and its watcher.
struct Health {
    serving: AtomicBool,
    /// Asks the watcher to check again (after a failed call).
    recheck: Notify,
}

pub(crate) struct Replica {
    address: String,
    channel: Channel,
    health: Arc<Health>,
    active: AtomicUsize,
    calls: AtomicU64,
    failures: AtomicU64,
    watcher: JoinHandle<()>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.watcher.abort();
    }
}

impl Replica {
    /// Needs a tokio runtime (its watcher starts at once).
    fn new(address: String, endpoint: &Endpoint) -> Arc<Self> {
        let channel = endpoint.connect_lazy();
        let health = Arc::new(Health {
            serving: AtomicBool::new(true),
            recheck: Notify::new(),
        });
        let watcher = tokio::spawn(watch(channel.clone(), Arc::clone(&health)));
        Arc::new(Self {
            address,
            channel,
            health,
            active: AtomicUsize::new(0),
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            watcher,
        })
    }

    fn serving(&self) -> bool {
        self.health.serving.load(Ordering::Relaxed)
    }

    fn state(&self) -> ReplicaState {
        ReplicaState {
            address: self.address.clone(),
            serving: self.serving(),
            active: self.active.load(Ordering::Relaxed),
            calls: self.calls.load(Ordering::Relaxed),
            failures: self.failures.load(Ordering::Relaxed),
        }
    }
}

/// Keeps `health` in step with the replica's health service.
async fn watch(channel: Channel, health: Arc<Health>) {
    let mut backoff = BACKOFF.0;
    let mut client = HealthClient::new(channel);
    let request = || HealthCheckRequest {
        service: SERVICE_NAME.to_owned(),
    };
    loop {
        match client.watch(request()).await {
            Ok(response) => {
                let mut updates = response.into_inner();
                loop {
                    let update = tokio::select! {
                        update = updates.message() => update,
                        // A call failed although the watch says SERVING: ask again.
                        () = health.recheck.notified() => break,
                    };
                    match update {
                        Ok(Some(update)) if update.status == ServingStatus::Serving as i32 => {
                            health.serving.store(true, Ordering::Relaxed);
                            backoff = BACKOFF.0;
                        }
                        // NOT_SERVING (draining, self-test failing): the watch is dropped
                        // so that a draining server never waits for it, and polled again.
                        _ => {
                            health.serving.store(false, Ordering::Relaxed);
                            break;
                        }
                    }
                }
            }
            Err(status) if status.code() == Code::Unimplemented => {
                // No health service: in rotation until a call fails, then back after
                // the backoff on probation.
                if !health.serving.load(Ordering::Relaxed) {
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF.1);
                    health.serving.store(true, Ordering::Relaxed);
                }
                health.recheck.notified().await;
                continue;
            }
            Err(_) => health.serving.store(false, Ordering::Relaxed),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(BACKOFF.1);
    }
}

/// A replica chosen for one call or stream; counts as outstanding until dropped.
pub(crate) struct Lease {
    replica: Arc<Replica>,
    set: Weak<Set>,
}

impl Lease {
    pub(crate) fn channel(&self) -> Channel {
        self.replica.channel.clone()
    }

    pub(crate) fn address(&self) -> &str {
        &self.replica.address
    }

    /// Takes the replica out of rotation when `err` says it could not be reached, and
    /// has its health (and the name it came from) looked at again.
    pub(crate) fn report(&self, err: &CloudError) {
        if err.code != CloudErrorCode::Unavailable {
            return;
        }
        self.replica.failures.fetch_add(1, Ordering::Relaxed);
        self.replica.health.serving.store(false, Ordering::Relaxed);
        self.replica.health.recheck.notify_one();
        if let Some(set) = self.set.upgrade() {
            set.resolve_soon();
        }
        tracing::debug!(replica = %self.replica.address, %err, "replica out of rotation");
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.replica.active.fetch_sub(1, Ordering::Relaxed);
    }
}

/// How a replica is named: its endpoint's URI without the path.
fn address_of(endpoint: &Endpoint) -> String {
    endpoint.uri().to_string().trim_end_matches('/').to_owned()
}

/// The replicas that came from one target.
struct Group {
    target: Target,
    replicas: Vec<Arc<Replica>>,
    /// Why the last resolution gave nothing, if it did.
    error: Option<String>,
}

/// How a set makes the connection of an address.
pub(crate) type MakeEndpoint = dyn Fn(&Target, Option<SocketAddr>) -> Result<Endpoint, CloudError> + Send + Sync;

/// Every replica of a client.
pub(crate) struct Set {
    groups: Mutex<Vec<Group>>,
    /// All replicas, rebuilt when a group changes (read on every pick).
    all: RwLock<Arc<[Arc<Replica>]>>,
    cursor: AtomicUsize,
    resolver: Resolver,
    make: Box<MakeEndpoint>,
    /// Wakes the resolution task early (a replica failed).
    resolve_now: Arc<Notify>,
    last_forced: Mutex<Option<Instant>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Set {
    fn drop(&mut self) {
        for task in self.tasks.get_mut().unwrap_or_else(PoisonError::into_inner).drain(..) {
            task.abort();
        }
    }
}

impl Set {
    /// Makes the replicas of `targets` (resolving names once) and starts re-resolving
    /// names every `interval`. Needs a tokio runtime.
    pub(crate) async fn start(
        targets: Vec<Target>,
        resolver: Resolver,
        interval: Duration,
        make: Box<MakeEndpoint>,
    ) -> Arc<Self> {
        let set = Arc::new(Self {
            groups: Mutex::new(Vec::new()),
            all: RwLock::new(Arc::from(Vec::new())),
            cursor: AtomicUsize::new(0),
            resolver,
            make,
            resolve_now: Arc::new(Notify::new()),
            last_forced: Mutex::new(None),
            tasks: Mutex::new(Vec::new()),
        });
        let mut groups = Vec::new();
        for target in targets {
            let mut group = Group {
                target,
                replicas: Vec::new(),
                error: None,
            };
            set.refresh(&mut group).await;
            groups.push(group);
        }
        let names = groups
            .iter()
            .enumerate()
            .filter(|(_, g)| matches!(g.target, Target::Dns { .. }))
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        *set.groups.lock().unwrap_or_else(PoisonError::into_inner) = groups;
        set.rebuild();
        if !names.is_empty() {
            let task = tokio::spawn(resolve_periodically(
                Arc::downgrade(&set),
                Arc::clone(&set.resolve_now),
                interval,
            ));
            set.tasks.lock().unwrap_or_else(PoisonError::into_inner).push(task);
        }
        set
    }

    /// Brings `group` up to date: a fixed target gets its one replica, a name the
    /// replicas of the addresses it resolves to now (keeping those it already had). A
    /// failed or empty resolution keeps the replicas the group had.
    async fn refresh(&self, group: &mut Group) {
        let addresses = match &group.target {
            Target::Fixed(_) => {
                if group.replicas.is_empty() {
                    match (self.make)(&group.target, None) {
                        Ok(endpoint) => {
                            let address = address_of(&endpoint);
                            group.replicas.push(Replica::new(address, &endpoint));
                        }
                        Err(err) => group.error = Some(err.message),
                    }
                }
                return;
            }
            Target::Dns { host, port } => match self.resolver.resolve(host, *port).await {
                Ok(found) if !found.is_empty() => found,
                Ok(_) => {
                    group.error = Some(format!("{host} resolved to no address"));
                    return;
                }
                Err(e) => {
                    group.error = Some(format!("cannot resolve {host}: {e}"));
                    tracing::warn!(host, error = %e, "name resolution failed; keeping the replicas known");
                    return;
                }
            },
        };
        group.error = None;
        let mut known: HashMap<String, Arc<Replica>> = group
            .replicas
            .drain(..)
            .map(|r| (r.address.clone(), r))
            .collect();
        let mut seen = std::collections::HashSet::new();
        for address in addresses {
            let Ok(endpoint) = (self.make)(&group.target, Some(address)) else {
                continue;
            };
            let key = address_of(&endpoint);
            if !seen.insert(key.clone()) {
                continue;
            }
            let replica = known
                .remove(&key)
                .unwrap_or_else(|| Replica::new(key, &endpoint));
            group.replicas.push(replica);
        }
        if !known.is_empty() {
            tracing::info!(gone = ?known.keys().collect::<Vec<_>>(), "replicas left the name's addresses");
        }
    }

    fn rebuild(&self) {
        let all: Vec<Arc<Replica>> = self
            .groups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .flat_map(|g| g.replicas.iter().cloned())
            .collect();
        *self.all.write().unwrap_or_else(PoisonError::into_inner) = Arc::from(all);
    }

    /// Resolves every name again.
    async fn resolve_all(&self) {
        let targets: Vec<(usize, Target, Vec<Arc<Replica>>)> = self
            .groups
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .enumerate()
            .filter(|(_, g)| matches!(g.target, Target::Dns { .. }))
            .map(|(i, g)| (i, g.target.clone(), g.replicas.clone()))
            .collect();
        for (index, target, replicas) in targets {
            let mut group = Group {
                target,
                replicas,
                error: None,
            };
            self.refresh(&mut group).await;
            if let Some(slot) = self
                .groups
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get_mut(index)
            {
                *slot = group;
            }
        }
        self.rebuild();
    }

    /// Asks for a resolution now, at most once per `RESOLVE_AGAIN_AFTER`.
    fn resolve_soon(&self) {
        let mut last = self.last_forced.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_none_or(|t| t.elapsed() >= RESOLVE_AGAIN_AFTER) {
            *last = Some(Instant::now());
            self.resolve_now.notify_one();
        }
    }

    /// The replica for the next call or stream: the least outstanding of those in
    /// rotation (of all, when none is), ties taken in turn.
    pub(crate) fn pick(self: &Arc<Self>) -> Result<Lease, CloudError> {
        let all = Arc::clone(&self.all.read().unwrap_or_else(PoisonError::into_inner));
        if all.is_empty() {
            self.resolve_soon();
            let why = self
                .groups
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .filter_map(|g| g.error.clone())
                .collect::<Vec<_>>()
                .join("; ");
            return Err(CloudError::new(
                CloudErrorCode::Unavailable,
                format!("no replica to call: {why}"),
            ));
        }
        let any_serving = all.iter().any(|r| r.serving());
        // Ties go to the first replica after the last one chosen: a cursor that merely
        // advanced by one would hand a replica out of rotation's turns to its successor.
        let start = self.cursor.load(Ordering::Relaxed);
        let (index, chosen) = (0..all.len())
            .map(|i| (start + i) % all.len())
            .map(|i| (i, &all[i]))
            .filter(|(_, r)| !any_serving || r.serving())
            .min_by_key(|(_, r)| r.active.load(Ordering::Relaxed))
            .expect("at least one replica qualifies");
        self.cursor.store(index + 1, Ordering::Relaxed);
        chosen.active.fetch_add(1, Ordering::Relaxed);
        chosen.calls.fetch_add(1, Ordering::Relaxed);
        Ok(Lease {
            replica: Arc::clone(chosen),
            set: Arc::downgrade(self),
        })
    }

    pub(crate) fn states(&self) -> Vec<ReplicaState> {
        self.all
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|r| r.state())
            .collect()
    }
}

/// Resolves the set's names every `interval`, or sooner when `now` is notified; ends
/// with the set (it holds no strong reference while it waits).
async fn resolve_periodically(set: Weak<Set>, now: Arc<Notify>, interval: Duration) {
    loop {
        let _ = tokio::time::timeout(interval, now.notified()).await;
        let Some(set) = set.upgrade() else { return };
        set.resolve_all().await;
    }
}
