//! `Delay` (test node, offered only with `--enable-test-nodes`): sleeps, then returns
//! its input unchanged. Makes a slow cloud for deadline and fallback tests. A call
//! abandoned by its client stops sleeping at once (`edgemix_runtime::cancel`).

use std::time::Duration;

use edgemix_dsp::Range;

use super::data::NodeData;
use super::error::NodeError;
use super::params::{ParamSpec, ParamType};
use super::registry::NodeSpec;
use super::Node;

struct Delay {
    delay: Duration,
}

impl Node for Delay {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        if !edgemix_runtime::cancel::sleep(self.delay) {
            return Err(NodeError::internal("Delay: the call was abandoned by its client"));
        }
        Ok(input)
    }
}

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        "Delay",
        "test",
        "Test node: waits delay_ms per input, then returns it unchanged (offered only with --enable-test-nodes).",
        vec![ParamSpec::new("delay_ms", ParamType::Number(Some(Range::new("delay_ms", 0.0, 60_000.0, "ms"))), "100", "Time to wait per input, ms.")],
        |config, _| Ok(Box::new(Delay { delay: Duration::from_secs_f64(config.f64_or("delay_ms", 100.0) / 1000.0) })),
    )
}
