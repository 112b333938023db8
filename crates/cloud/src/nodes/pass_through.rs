//! `PassThrough`: returns its input unchanged (a connectivity and overhead probe).

use super::data::NodeData;
use super::error::NodeError;
use super::registry::NodeSpec;
use super::Node;

struct PassThrough;

impl Node for PassThrough {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        Ok(input)
    }
}

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        "PassThrough",
        "utility",
        "Returns its input unchanged, in the request's format (audio is still checked: finite samples).",
        Vec::new(),
        |_, _| Ok(Box::new(PassThrough)),
    )
}
