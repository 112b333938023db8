/**
 * edgemix: real-time audio processing at the edge.
 *
 * The native classes come from the napi-rs addon (`index.js`, generated); the client
 * layers written in TypeScript live beside this file.
 */
export { MixerChain, WasmEdgeNode, WasmSession } from '../index.js'
// The module registry (wasm-modules.yaml, rules in wasm-modules/wasm-modules.schema.json).
export { loadModuleRegistry } from '../index.js'
export type { ModuleRegistryEntry, ModuleRegistryInfo } from '../index.js'
export type {
  CompressorConfig,
  EqConfig,
  GateConfig,
  LimiterConfig,
  MixerConfig,
  MixerConfigInput,
  MixerMeters,
  WasmLoadOptions,
  WasmModuleDescription,
} from '../index.js'
export { ErrorCode } from './errors.js'
// Audio analysis: MFCC / spectral features (batch and streaming) and BS.1770 loudness.
// Every call has a synchronous `…Sync` variant and a promise-returning one.
export {
  FeatureExtractor,
  extractFeatures,
  extractFeaturesSync,
  extractMfcc,
  extractMfccSync,
  measureLoudness,
  measureLoudnessSync,
} from '../index.js'
export type { AnalysisFrames, AnalysisOptions, AudioFeatures, LoudnessOptions, LoudnessResult } from '../index.js'
// WAV files (hound) and sample-rate conversion (rubato), off the JS thread.
export { decodeWav, encodeWav, readWav, resample, writeWav } from '../index.js'
export type { ResampleOptions, WavAudio, WavFormat } from '../index.js'
// Genre detection (synthetic-benchmark accuracy only; see the README): batch and streaming.
export { GenreClassifier, classifyGenre, classifyGenreSync } from '../index.js'
export type { GenreClassifierOptions, GenreName, GenreOptions, GenreResult } from '../index.js'
// Cloud tier: the RemoteExecutionService client and the embedded server.
export { CloudClient, CloudServer, CloudStream, startServer } from '../index.js'
export type { CloudCallOptions, CloudClientOptions, CloudNodeInfo, CloudStatus, StartServerOptions } from '../index.js'
// Hybrid edge/cloud processing: HybridProcessingClient, createHybridProxy, the
// IntelligentRouter, pipelines and metrics.
export * from './hybrid/index.js'
// The edge HTTP API (REST + WebSocket, fastify): createHttpServer for embedding; `edgemix serve` on the command line.
export { createHttpServer } from './http/index.js'
export type { HttpServer, HttpServerOptions } from './http/index.js'
