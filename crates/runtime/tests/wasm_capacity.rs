//! One module's sessions cannot take every instance slot: a per-module cap
//! (`maxInstancesPerModule`) leaves room for other modules. Its own test binary, so the
//! process-wide engine is sized small here.

use std::path::PathBuf;

use edgemix_runtime::wasm::{Limits, RemoteAccess, Runtime, RuntimeOptions, WasmError, WasmSession};

fn dist(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../wasm-modules/dist")
        .join(name)
}

#[test]
fn a_module_at_its_cap_is_refused_and_other_modules_still_run() {
    let runtime = Runtime::global(Some(&RuntimeOptions {
        max_instances: 8,
        max_instances_per_module: Some(3),
        cache_dir: None,
    }))
    .unwrap();
    let start = |name: &str| {
        let module = runtime.load_file(&dist(name), None).unwrap();
        WasmSession::new(module, name.into(), Limits::default(), None, RemoteAccess::default())
    };
    let mut echoes: Vec<WasmSession> = (0..3).map(|_| start("echo.wasm").unwrap()).collect();
    let refused = start("echo.wasm").err().expect("past the module's cap");
    match &refused {
        WasmError::ModuleCapacity { module, cap } => {
            assert_eq!(*cap, 3);
            assert!(module.contains("echo"), "{module}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(refused.code(), "ERR_WASM_CAPACITY");
    assert!(refused.to_string().contains("maxInstancesPerModule = 3"), "{refused}");
    // Another module loads (its describe() needs an instance) and runs.
    let mut mixer = start("mixer.wasm").unwrap();
    assert_eq!(mixer.process(&[0; 3840]).unwrap().len(), 3840);
    // A closed session gives its slot back.
    echoes.pop().unwrap().close().unwrap();
    let mut again = start("echo.wasm").unwrap();
    assert_eq!(again.process(b"hi").unwrap(), b"hi");
    // The sizes are fixed once the engine runs.
    let err = Runtime::global(Some(&RuntimeOptions {
        max_instances: 8,
        max_instances_per_module: Some(4),
        cache_dir: None,
    }))
    .err()
    .unwrap();
    assert!(err.to_string().contains("maxInstancesPerModule = 3"), "{err}");
    echoes.clear();
}
