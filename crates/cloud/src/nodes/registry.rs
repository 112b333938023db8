//! The nodes a server offers, by name.
//!
//! [`NodeRegistry::builtin`] holds every node of this crate. Nodes living in other
//! crates are added with [`NodeRegistry::register`] by whoever starts the server (the
//! `edgemix-server` binary and the Node addon's `startServer`).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use super::error::{echo, NodeError};
use edgemix_runtime::registry::ModuleRegistry;
use super::params::{NodeConfig, ParamSpec};
use super::Node;

/// What a node factory may use from the server.
#[derive(Debug, Clone, Default)]
pub struct NodeContext {
    /// Directory of the `.wasm` modules the `WasmModule` node may run (none: no modules).
    pub modules_dir: Option<PathBuf>,
    /// The module registry the `WasmModule` node runs modules from by name (exclusive with
    /// `modules_dir`).
    pub modules: Option<Arc<ModuleRegistry>>,
}

/// Makes one node instance from a validated configuration.
pub type NodeFactory =
    Arc<dyn Fn(&NodeConfig, &NodeContext) -> Result<Box<dyn Node>, NodeError> + Send + Sync>;

/// A node type: its name, documentation, parameters and factory.
#[derive(Clone)]
pub struct NodeSpec {
    /// The `node_type` clients ask for ("AudioMixer").
    pub name: &'static str,
    /// "audio", "analysis", "text", "image", "wasm", "utility" or "test" (the `ListNodes`
    /// filter).
    pub category: &'static str,
    pub description: &'static str,
    pub params: Vec<ParamSpec>,
    pub factory: NodeFactory,
}

impl NodeSpec {
    pub fn new(
        name: &'static str,
        category: &'static str,
        description: &'static str,
        params: Vec<ParamSpec>,
        factory: impl Fn(&NodeConfig, &NodeContext) -> Result<Box<dyn Node>, NodeError>
            + Send
            + Sync
            + 'static,
    ) -> Self {
        Self {
            name,
            category,
            description,
            params,
            factory: Arc::new(factory),
        }
    }
}

impl std::fmt::Debug for NodeSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeSpec")
            .field("name", &self.name)
            .field("category", &self.category)
            .finish_non_exhaustive()
    }
}

/// Which of the built-in nodes to offer.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinOptions {
    /// Also offer `Delay` (a pass-through that sleeps; for deadline tests). Default false.
    pub test_nodes: bool,
}

/// Node types by name.
#[derive(Debug, Clone, Default)]
pub struct NodeRegistry {
    nodes: BTreeMap<&'static str, NodeSpec>,
}

impl NodeRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every node of this crate.
    pub fn builtin(options: BuiltinOptions) -> Self {
        let mut registry = Self::new();
        for spec in [
            super::audio_mixer::spec(),
            super::denoise::spec(),
            super::mfcc::spec(),
            super::genre_classifier::spec(),
            super::pass_through::spec(),
            super::audio_transform::spec(),
            super::audio_resampler::spec(),
            super::wasm_module::spec(),
            super::text_normalize::spec(),
            super::image_preprocess::spec(),
        ] {
            registry
                .register(spec)
                .expect("built-in node names are distinct");
        }
        if options.test_nodes {
            registry
                .register(super::delay::spec())
                .expect("built-in node names are distinct");
        }
        registry
    }

    /// Adds a node type; a name already taken is refused.
    pub fn register(&mut self, spec: NodeSpec) -> Result<(), NodeError> {
        if self.nodes.contains_key(spec.name) {
            return Err(NodeError::invalid(format!(
                "a node named {} is already registered",
                spec.name
            )));
        }
        self.nodes.insert(spec.name, spec);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&NodeSpec> {
        self.nodes.get(name)
    }

    /// Every node type, by name.
    pub fn specs(&self) -> impl Iterator<Item = &NodeSpec> {
        self.nodes.values()
    }

    /// The registered names, comma-separated (for messages).
    pub fn names(&self) -> String {
        self.nodes.keys().copied().collect::<Vec<_>>().join(", ")
    }

    /// A new instance of `name` configured by the wire's string map.
    pub fn create(
        &self,
        name: &str,
        config: &HashMap<String, String>,
        context: &NodeContext,
    ) -> Result<Box<dyn Node>, NodeError> {
        let spec = self.get(name).ok_or_else(|| {
            NodeError::invalid(format!(
                "unknown node type {}; available node types: {}",
                echo(name),
                self.names()
            ))
        })?;
        let config = NodeConfig::from_strings(name, &spec.params, config)?;
        (spec.factory)(&config, context)
    }
}
