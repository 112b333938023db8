//! The server's self-test: a health signal that means "this replica can process a
//! frame now", not "the process is up".
//!
//! Every `interval` one 960-sample frame (a 1 kHz tone at −6 dBFS, 48 kHz) goes through
//! a fresh `AudioMixer` from the server's own registry, on an execution slot like any
//! request (so a replica whose slots stay busy for longer than `budget` fails it too).
//! It passes when the answer is what a mixer must do to a tone: 960 finite samples,
//! silent for the limiter's lookahead (a fresh delay line), then the tone, at most the
//! limiter's ceiling and not silenced. A registry without `AudioMixer` runs an empty job
//! on a slot instead.
//!
//! The outcome drives `grpc.health.v1` for the RemoteExecutionService (what readiness
//! probes and balancing clients watch): NOT_SERVING after two failures in a row, SERVING
//! again after one success; the first test runs before the server reports SERVING at
//! all. It is also exported as metrics and read by the binary's `/healthz`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use std::sync::atomic::Ordering;

use edgemix_dsp::ChainConfig;
use tokio::task::JoinHandle;
use tonic_health::server::HealthReporter;

use super::metrics::{SELFTEST_DURATION, SELFTEST_FAILURES, SELFTEST_UP};
use super::proto::remote_execution_service_server::RemoteExecutionServiceServer;
use super::service::{Service, Shared};
use crate::nodes::{Audio, NodeData};

const FRAME: usize = 960;
const NODE: &str = "AudioMixer";
/// How long one test may take, slot wait included, before it counts as failed.
pub const BUDGET: Duration = Duration::from_secs(1);

async fn report(health: &HealthReporter, serving: bool) {
    if serving {
        health
            .set_serving::<RemoteExecutionServiceServer<Service>>()
            .await;
    } else {
        health
            .set_not_serving::<RemoteExecutionServiceServer<Service>>()
            .await;
    }
}

/// Runs the first test and reports its outcome, then (with an `interval`) keeps testing
/// on a task that stops reporting once the server is stopping. Without an interval the
/// service is simply reported SERVING.
pub(crate) async fn start(
    shared: Arc<Shared>,
    health: HealthReporter,
    interval: Option<Duration>,
) -> (Arc<SelfTest>, Option<JoinHandle<()>>) {
    let test = Arc::new(SelfTest::new());
    let Some(interval) = interval else {
        report(&health, true).await;
        return (test, None);
    };
    report(&health, test.run(&shared, BUDGET).await).await;
    let task = tokio::spawn({
        let test = Arc::clone(&test);
        async move {
            loop {
                tokio::time::sleep(interval).await;
                let serving = test.run(&shared, BUDGET).await;
                if shared.stopping.load(Ordering::Relaxed) {
                    return;
                }
                report(&health, serving).await;
            }
        }
    });
    (test, Some(task))
}

/// The last self-test, as `/healthz` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfTestStatus {
    /// Whether the last test passed.
    pub ok: bool,
    /// Whether the service is reported SERVING (false after two failures in a row).
    pub serving: bool,
    /// When the last test finished.
    pub at: Instant,
    /// How long it took, slot wait included.
    pub duration: Duration,
    /// Why it failed (empty when it passed).
    pub message: String,
}

pub(crate) struct SelfTest {
    last: Mutex<SelfTestStatus>,
    failures_in_row: Mutex<u32>,
}

/// Reads a server's last self-test (cheap to clone; outlives the server handle).
#[derive(Clone)]
pub struct SelfTestProbe(pub(crate) Arc<SelfTest>);

impl SelfTestProbe {
    pub fn status(&self) -> SelfTestStatus {
        self.0.status()
    }
}

impl SelfTest {
    pub(crate) fn new() -> Self {
        Self {
            last: Mutex::new(SelfTestStatus {
                ok: false,
                serving: false,
                at: Instant::now(),
                duration: Duration::ZERO,
                message: "not run yet".into(),
            }),
            failures_in_row: Mutex::new(0),
        }
    }

    pub(crate) fn status(&self) -> SelfTestStatus {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Runs one test within `budget` and records it; returns whether the service should
    /// be reported SERVING.
    pub(crate) async fn run(&self, shared: &Arc<Shared>, budget: Duration) -> bool {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(budget, frame_through_mixer(shared)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(format!(
                "no answer within {} ms (execution slots busy or the node stuck)",
                budget.as_millis()
            )),
        };
        let duration = started.elapsed();
        let serving = {
            let mut failures = self
                .failures_in_row
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *failures = if outcome.is_ok() { 0 } else { *failures + 1 };
            *failures < 2
        };
        metrics::gauge!(SELFTEST_UP).set(if outcome.is_ok() { 1.0 } else { 0.0 });
        metrics::gauge!(SELFTEST_DURATION).set(duration.as_secs_f64());
        if let Err(message) = &outcome {
            metrics::counter!(SELFTEST_FAILURES).increment(1);
            tracing::warn!(message, serving, "self-test failed");
        }
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = SelfTestStatus {
            ok: outcome.is_ok(),
            serving,
            at: Instant::now(),
            duration,
            message: outcome.err().unwrap_or_default(),
        };
        serving
    }
}

/// The test frame: 1 kHz at amplitude 0.5 (−6 dBFS), 48 kHz.
fn tone() -> Vec<f32> {
    (0..FRAME)
        .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin())
        .collect()
}

/// What a fresh mixer with the default configuration must make of `tone()`.
fn check(output: &[f32]) -> Result<(), String> {
    let defaults = ChainConfig::default();
    let lookahead = defaults.limiter.lookahead_samples(48_000.0);
    let ceiling = 10f64.powf(defaults.limiter.ceiling_db / 20.0) as f32;
    if output.len() != FRAME {
        return Err(format!("{NODE} answered {} samples for {FRAME}", output.len()));
    }
    if let Some(i) = output.iter().position(|x| !x.is_finite()) {
        return Err(format!("{NODE} answered a non-finite sample at {i}"));
    }
    if let Some(i) = output[..lookahead].iter().position(|&x| x != 0.0) {
        return Err(format!(
            "{NODE} answered sound at {i}, inside its {lookahead}-sample lookahead"
        ));
    }
    let tail = &output[lookahead..];
    let peak = tail.iter().fold(0f32, |m, x| m.max(x.abs()));
    let rms = (tail.iter().map(|x| x * x).sum::<f32>() / tail.len() as f32).sqrt();
    if peak > ceiling * (1.0 + 1e-6) {
        return Err(format!("{NODE} peak {peak} is above its ceiling {ceiling}"));
    }
    // The tone's RMS is 0.354; the gate opens on it within milliseconds.
    if rms < 0.05 {
        return Err(format!("{NODE} silenced the test tone (RMS {rms})"));
    }
    Ok(())
}

async fn frame_through_mixer(shared: &Arc<Shared>) -> Result<(), String> {
    let creator = Arc::clone(shared);
    let has_mixer = shared.registry.get(NODE).is_some();
    let output = shared
        .run(move || {
            if !has_mixer {
                return Ok(None);
            }
            let mut node = creator.create(NODE, &HashMap::new())?;
            let output = node
                .process(NodeData::Audio(Audio::mono(tone(), Some(48_000.0))))
                .map_err(super::service::node_status)?;
            Ok(Some(output))
        })
        .await
        .map_err(|status| format!("{NODE}: {}", status.message()))?;
    match output {
        None => Ok(()),
        Some(NodeData::Audio(audio)) => {
            let (samples, _) = audio.into_mono(NODE).map_err(|e| e.message)?;
            check(&samples)
        }
        Some(_) => Err(format!("{NODE} answered something other than audio")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_accepts_a_delayed_limited_tone_and_refuses_broken_answers() {
        let mut chain = edgemix_dsp::MixerChain::new(ChainConfig::default()).unwrap();
        let mut good = tone();
        chain.process(&mut good).unwrap();
        assert_eq!(check(&good), Ok(()));
        assert!(check(&good[..FRAME - 1]).unwrap_err().contains("959 samples"));
        let mut nan = good.clone();
        nan[500] = f32::NAN;
        assert!(check(&nan).unwrap_err().contains("non-finite sample at 500"));
        assert!(check(&tone()).unwrap_err().contains("inside its 240-sample lookahead"));
        let silent = vec![0.0; FRAME];
        assert!(check(&silent).unwrap_err().contains("silenced"));
        let mut loud = good.clone();
        loud[700] = 0.99;
        assert!(check(&loud).unwrap_err().contains("above its ceiling"));
    }
}
