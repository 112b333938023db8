# workerd configuration of the edge Worker: serves worker/dist (node worker/build.mjs
# first) on port 8787. `npx workerd serve worker/config.capnp`; tests and deployments set
# the address with --socket-addr http=HOST:PORT (port 0: any free port).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "edge", worker = .edge),
    # Outbound fetches (only to ANALYSIS_ORIGIN): public addresses and, for an origin in
    # the same pod or host, private and loopback ones.
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "*:8787", http = (), service = "edge")],
);

const edge :Workerd.Worker = (
  modules = [
    (name = "index.mjs", esModule = embed "dist/index.mjs"),
    (name = "mixer.wasm", wasm = embed "dist/mixer.wasm"),
    (name = "mixer.wasm.bin", data = embed "dist/mixer.wasm.bin"),
  ],
  compatibilityDate = "2026-11-01",
  globalOutbound = "internet",
  bindings = [
    # Read from workerd's environment when it starts; unset means the default.
    (name = "MIXER_CONFIG", fromEnvironment = "MIXER_CONFIG"),
    (name = "ANALYSIS_ORIGIN", fromEnvironment = "ANALYSIS_ORIGIN"),
  ],
);
