/* Types of the plain-object arguments and results of the native addon. Units and ranges
 * are documented on each field; the Rust core (crates/dsp) validates them. */

/** Noise gate. Levels are dBFS RMS. */
export interface GateConfig {
  /** Skip the stage. */
  bypass: boolean
  /** Open threshold, dBFS RMS, -96..0. Default -50. */
  thresholdDb: number
  /** Closes below thresholdDb - hysteresisDb, dB, 0..24. Default 6. */
  hysteresisDb: number
  /** Full opening ramp, ms, 0..500. Default 1. */
  attackMs: number
  /** Time below the close threshold before closing, ms, 0..5000. Default 100. */
  holdMs: number
  /** Full closing ramp, ms, 0..5000. Default 150. */
  releaseMs: number
  /** Gain when closed, dB, -96..0. Default -40. */
  rangeDb: number
}

/** Feed-forward soft-knee compressor (Giannoulis et al. 2012). */
export interface CompressorConfig {
  bypass: boolean
  /** Threshold, dBFS, -60..0. Default -20. */
  thresholdDb: number
  /** Ratio, 1..100. Default 3. */
  ratio: number
  /** Knee width, dB, 0..24. Default 6. */
  kneeDb: number
  /** Attack time constant (63.2 % of a step), ms, 0..500. Default 5. */
  attackMs: number
  /** Release time constant (63.2 % of a step), ms, 1..5000. Default 100. */
  releaseMs: number
  /** Makeup gain, dB, -24..24. Default 3. */
  makeupDb: number
}

/** Three-band EQ: low shelf, mid peak, high shelf (RBJ cookbook). Frequencies must be below 0.49 x sampleRate. */
export interface EqConfig {
  bypass: boolean
  /** Low-shelf corner (half-gain point), Hz, 20..2000. Default 100. */
  lowFreqHz: number
  /** Low-shelf gain, dB, -24..24. Default -3. */
  lowGainDb: number
  /** Mid peak centre, Hz, 100..16000. Default 3000. */
  midFreqHz: number
  /** Mid peak gain, dB, -24..24. Default 2. */
  midGainDb: number
  /** Mid peak Q, 0.1..10. Default 1. */
  midQ: number
  /** High-shelf corner (half-gain point), Hz, 1000..20000. Default 8000. */
  highFreqHz: number
  /** High-shelf gain, dB, -24..24. Default 2. */
  highGainDb: number
}

/** Brickwall lookahead limiter. */
export interface LimiterConfig {
  /** Pass the delayed input through unlimited (the latency stays). */
  bypass: boolean
  /** No output sample exceeds this, dBFS, -24..0. Default -1. */
  ceilingDb: number
  /** Lookahead = latency, ms, 0..20. Default 5. */
  lookaheadMs: number
  /** Release time constant, ms, 1..5000. Default 60. */
  releaseMs: number
}

/** The whole chain: gate -> compressor -> EQ -> limiter. */
export interface MixerConfig {
  /** Sample rate, Hz, 8000..192000. Default 48000. */
  sampleRate: number
  gate: GateConfig
  compressor: CompressorConfig
  eq: EqConfig
  limiter: LimiterConfig
}

/** A partial MixerConfig: omitted keys keep their current (or default) values. */
export interface MixerConfigInput {
  sampleRate?: number
  gate?: Partial<GateConfig>
  compressor?: Partial<CompressorConfig>
  eq?: Partial<EqConfig>
  limiter?: Partial<LimiterConfig>
}

/** Meters of the last processed block: levels in dBFS (-Infinity for silence), reductions in dB (>= 0). */
export interface MixerMeters {
  inputPeakDb: number
  inputRmsDb: number
  outputPeakDb: number
  outputRmsDb: number
  gateReductionDb: number
  compressorReductionDb: number
  limiterReductionDb: number
  gateOpen: boolean
}

/** Options of WasmEdgeNode.load(). */
export interface WasmLoadOptions {
  /** Linear memory cap per instance, MiB, 1..1024. Default 64. */
  maxMemoryMb?: number
  /** Time limit of one guest call, ms, 1..60000. Default 100. A spinning guest is stopped within timeoutMs + 2 ms. */
  timeoutMs?: number
  /** Largest output of one process() call, bytes, 1..268435456. Default 16 MiB. */
  maxOutputBytes?: number
  /** Handed to the module's configure() export in every session (e.g. a MixerConfigInput for mixer.wasm). */
  config?: unknown
  /** Directory for compiled modules (must be trusted: its files are loaded as machine code). */
  cacheDir?: string
}

/** A module's describe() metadata plus what the host knows about it. */
export interface WasmModuleDescription {
  name: string
  version: string
  input: 'f32' | 'json' | 'bytes'
  output: 'f32' | 'json' | 'bytes'
  /** Hex SHA-256 of the module bytes. */
  hash: string
  /** Where this load found the compiled code. */
  cache: 'memory' | 'disk' | 'compiled'
  /** Whether it imports WASI preview 1. */
  wasi: boolean
  /** Whether it imports env.call_remote_service. */
  remote: boolean
  [key: string]: unknown
}
