// Modules the platform provides (wrangler.toml rules, config.capnp modules).
declare module '*.wasm' {
  const module: WebAssembly.Module
  export default module
}
declare module '*.wasm.bin' {
  const bytes: ArrayBuffer
  export default bytes
}
