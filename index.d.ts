/* Types of the plain-object arguments and results of the native addon. Units and ranges
 * are documented on each field; the Rust core (crates/dsp) validates them. */

/* BEGIN GENERATED: mixer parameters, from crates/dsp/src/parameters.rs — do not edit; run `EDGEMIX_WRITE_DOCS=1 cargo test -p edgemix-dsp --test parameter_docs` */

/** Noise suppression (RNNoise) before the gate: 48 kHz only, 960 samples (20 ms) of latency per channel while on. */
export interface DenoiseConfig {
  /** Run the stage (needs sampleRate 48000; adds 960 samples to the latency). Default false. */
  enabled: boolean
  /** The most it takes away: the delayed input is mixed back in at -attenuationLimitDb (100: no limit; 0: a pure delay), dB, 0..100. Default 100. */
  attenuationLimitDb: number
}

/** Noise gate. Levels are dBFS RMS (10 ms detector). */
export interface GateConfig {
  /** Skip the stage (its state is reset when it is enabled again). Default false. */
  bypass: boolean
  /** Open threshold, dBFS, -96..0. Default -50. */
  thresholdDb: number
  /** Hysteresis: closes below thresholdDb - hysteresisDb, dB, 0..24. Default 6. */
  hysteresisDb: number
  /** Full opening ramp (linear in dB), ms, 0..500. Default 1. */
  attackMs: number
  /** Time below the close threshold before closing, ms, 0..5000. Default 100. */
  holdMs: number
  /** Full closing ramp (linear in dB), ms, 0..5000. Default 150. */
  releaseMs: number
  /** Gain when closed, dB, -96..0. Default -40. */
  rangeDb: number
}

/** Feed-forward soft-knee compressor (Giannoulis et al. 2012). */
export interface CompressorConfig {
  /** Skip the stage (its state is reset when it is enabled again). Default false. */
  bypass: boolean
  /** Threshold (sample level), dBFS, -60..0. Default -20. */
  thresholdDb: number
  /** Ratio: input dB per output dB above the threshold, 1..100. Default 3. */
  ratio: number
  /** Knee width, centred on the threshold, dB, 0..24. Default 6. */
  kneeDb: number
  /** Attack time constant (63.2 % of a step), ms, 0..500. Default 5. */
  attackMs: number
  /** Release time constant (63.2 % of a step), ms, 1..5000. Default 100. */
  releaseMs: number
  /** Makeup gain, dB, -24..24. Default 3. */
  makeupDb: number
}

/** Three-band EQ: low shelf, mid peak, high shelf (RBJ cookbook, shelves with slope S = 1). Frequencies must be below 0.49 x sampleRate. */
export interface EqConfig {
  /** Skip the stage (its state is reset when it is enabled again). Default false. */
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
  /** Pass the delayed input through unlimited (the latency stays, so toggling it never shifts the signal). Default false. */
  bypass: boolean
  /** Ceiling: no output sample exceeds it, dBFS, -24..0. Default -1. */
  ceilingDb: number
  /** Lookahead, also the latency, ms, 0..20. Default 5. */
  lookaheadMs: number
  /** Release time constant, ms, 1..5000. Default 60. */
  releaseMs: number
}

/** Loudness normalisation between the EQ and the limiter (EBU R128 / BS.1770 measurement of the stage's input, feed-forward). */
export interface LoudnessStageConfig {
  /** Run the stage. Default false. */
  enabled: boolean
  /** Target loudness (-16 podcast, -14 streaming, -23 broadcast), LUFS, -70..0. Default -16. */
  targetLufs: number
  /** Largest boost or cut, dB, 0..40. Default 12. */
  maxGainDb: number
  /** Gated measurement window (3000: the EBU short-term window), ms, 400..60000. Default 3000. */
  windowMs: number
  /** Fastest gain change (per sample: slewDbPerSecond / sampleRate dB), dB/s, 0.1..60. Default 3. */
  slewDbPerSecond: number
}

/** Genre-adaptive presets (speech, rock, jazz, electronic, classical, neutral). */
export interface AdaptiveConfig {
  /** Move between genre presets. Default false. */
  enabled: boolean
  /** Duration of a morph between presets, ms, 200..5000. Default 1000. */
  smoothingMs: number
}

/** The whole chain: (noise suppression) -> gate -> compressor -> EQ -> (loudness normalisation) -> limiter. */
export interface MixerConfig {
  /** Sample rate (changing it resets the chain), Hz, 8000..192000. Default 48000. */
  sampleRate: number
  /** 1 mono or 2 interleaved stereo (L R L R ...) with linked gain: one gain for both channels from the frame's larger magnitude, EQ per channel (changing it resets the chain), 1..2. Default 1. Present only when not mono. */
  channels?: 1 | 2
  /** Present once set to anything but its defaults (off). */
  denoise?: DenoiseConfig
  gate: GateConfig
  compressor: CompressorConfig
  eq: EqConfig
  limiter: LimiterConfig
  /** Present once set to anything but its defaults (off). */
  loudness?: LoudnessStageConfig
  /** Present once set to anything but its defaults (off). */
  adaptive?: AdaptiveConfig
}
/* END GENERATED: mixer parameters */

/** A partial MixerConfig: omitted keys keep their current (or default) values. */
export interface MixerConfigInput {
  sampleRate?: number
  /** 1 (mono, default) or 2 (interleaved stereo with linked gain). Changing it resets the chain. */
  channels?: 1 | 2
  /** Noise suppression before the gate (off by default; needs sampleRate 48000). Turning it on adds 960 samples to latencySamples. */
  denoise?: Partial<DenoiseConfig>
  gate?: Partial<GateConfig>
  compressor?: Partial<CompressorConfig>
  eq?: Partial<EqConfig>
  limiter?: Partial<LimiterConfig>
  loudness?: Partial<LoudnessStageConfig>
  /** `true`/`false`, or settings. While adaptive, presets set gate threshold/range, the compressor's and the EQ's numeric parameters, except those you set explicitly (in the constructor or any updateConfig), which keep your value. */
  adaptive?: boolean | Partial<AdaptiveConfig>
}

/** Meters of the last processed block: levels in dBFS over all channels (-Infinity for silence), reductions in dB (>= 0). */
export interface MixerMeters {
  inputPeakDb: number
  inputRmsDb: number
  outputPeakDb: number
  outputRmsDb: number
  gateReductionDb: number
  compressorReductionDb: number
  limiterReductionDb: number
  gateOpen: boolean
  /** With noise suppression on: RNNoise's speech probability (0..1) for its last completed 10 ms frame (the larger of the two channels in stereo). */
  denoiseSpeechProbability?: number
  /** With loudness normalisation on: the stage's last measurement of its input, LUFS (-Infinity before 400 ms or below the gates). */
  loudnessLufs?: number
  /** With loudness normalisation on: the gain applied to the last sample, dB. */
  normalizationGainDb?: number
  /** While adaptive: the classifier's genre, null below its confidence threshold or before its first decision. */
  genre?: 'speech' | 'rock' | 'jazz' | 'electronic' | 'classical' | null
  /** While adaptive: the classifier's confidence, 0..1. */
  genreConfidence?: number
  /** While adaptive: the preset applied or being morphed to. */
  preset?: 'neutral' | 'speech' | 'rock' | 'jazz' | 'electronic' | 'classical'
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
  /** Cloud services (node types, e.g. 'VAD') the module may call through env.call_remote_service; any other name gets -8 (REMOTE_DENIED). Default none. */
  allowRemote?: string[]
  /** The CloudClient that answers the module's remote calls (its channel, token and timeout). Without it an allowed call gets -6 (REMOTE_UNAVAILABLE). A call waits at most what is left of timeoutMs. */
  cloud?: CloudClient
}

/** WasmEdgeNode.remoteCalls(): the module's env.call_remote_service calls by outcome, over every session of one load (a retry after -2 is not a new call). */
export interface WasmRemoteCalls {
  /** Answered by the cloud service. */
  answered: number
  /** -8: the service is not in allowRemote, or the cloud refused the credentials. */
  denied: number
  /** -6: no cloud configured or reachable. */
  unavailable: number
  /** -9: no answer within what was left of the call's timeoutMs. */
  timedOut: number
  /** -7: the service answered with an error. */
  failed: number
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

/** Options of the MFCC / feature analysis (librosa's names in camelCase). Defaults: one 20 ms frame at 48 kHz per hop. */
export interface AnalysisOptions {
  /** Sample rate, Hz, 8000..192000. Default 48000. */
  sampleRate?: number
  /** FFT size = window length (periodic Hann), samples, even, 16..65536. Default 1024. */
  nFft?: number
  /** Hop between frames, samples, 1..nFft. Default 960. */
  hop?: number
  /** Slaney-normalised mel bands (librosa htk=false), 1..512; each must cover at least one FFT bin. Default 40. */
  nMels?: number
  /** Lowest mel edge, Hz, 0 <= fMin < fMax. Default 0. */
  fMin?: number
  /** Highest mel edge, Hz, <= sampleRate / 2. Default sampleRate / 2. */
  fMax?: number
  /** Cepstral coefficients (orthonormal DCT-II of 10*log10(max(mel, 1e-10))), 1..nMels. Default 13. */
  nMfcc?: number
  /** Spectral rolloff fraction, 0 < rollPercent < 1. Default 0.85. */
  rollPercent?: number
  /** FeatureExtractor only: also compute the spectral features per frame. Default false. */
  spectral?: boolean
}

/** Frames produced by FeatureExtractor.push / pushSync. */
export interface AnalysisFrames {
  /** Frames in this result (FeatureExtractor: frames completed by this push, possibly 0). */
  frames: number
  nMfcc: number
  /** frames x nMfcc coefficients, frame-major (coefficient c of frame i at i * nMfcc + c). */
  mfcc: Float32Array
  /** With `spectral: true`: one value per frame, as in AudioFeatures. */
  rms?: Float32Array
  zcr?: Float32Array
  centroidHz?: Float32Array
  rolloffHz?: Float32Array
  flatness?: Float32Array
  flux?: Float32Array
}

/** MFCCs and spectral features, one value per frame (librosa definitions, center=false). */
export interface AudioFeatures extends AnalysisFrames {
  /** sqrt(mean(x^2)) of the raw frame (librosa.feature.rms). */
  rms: Float32Array
  /** Sign changes per sample; |x| <= 1e-10 counts as 0, 0 as positive (librosa.feature.zero_crossing_rate). */
  zcr: Float32Array
  /** Magnitude-weighted mean frequency, Hz; 0 for silence (librosa.feature.spectral_centroid). */
  centroidHz: Float32Array
  /** Lowest bin frequency holding rollPercent of the magnitude sum, Hz; 0 for silence (librosa.feature.spectral_rolloff). */
  rolloffHz: Float32Array
  /** Geometric / arithmetic mean of max(|X|^2, 1e-10); 1 for silence (librosa.feature.spectral_flatness). */
  flatness: Float32Array
  /** L2 norm of the magnitude increase since the previous frame (the frame before the first is silent). */
  flux: Float32Array
}

/** Options of measureLoudness. */
export interface LoudnessOptions {
  /** Sample rate, Hz, 8000..192000. Default 48000. */
  sampleRate?: number
  /** Interleaved channels: 1 (mono), 2 (L R), 5 (L R C Ls Rs) or 6 (L R C LFE Ls Rs). Default 1. */
  channels?: 1 | 2 | 5 | 6
  /** Mono only: measure as played on both L and R (+3.01 dB), like a meter's dual-mono mode. Default false. */
  dualMono?: boolean
  /** Report normalizationGainDb, the gain reaching this integrated loudness, LUFS, -70..0 (-16 podcast, -14 streaming, -23 broadcast). */
  targetLufs?: number
  /** With targetLufs: lower the gain so the true peak stays at or below this, dBTP, -24..0. */
  maxTruePeakDbtp?: number
}

/** ITU-R BS.1770-4 / EBU R128 measurements. Silence and too-short input read -Infinity. */
export interface LoudnessResult {
  /** Gated integrated loudness, LUFS (-Infinity under 400 ms or below the -70 LUFS gate). */
  integratedLufs: number
  /** Short-term (3 s) loudness every 100 ms: entry i is the 3 s ending at 3 + i/10 s; empty under 3 s. */
  shortTermLufs: Float32Array
  /** Maximum of shortTermLufs, LUFS (-Infinity under 3 s). */
  shortTermMaxLufs: number
  /** Maximum momentary (400 ms) loudness, LUFS. */
  momentaryMaxLufs: number
  /** True peak by 4x oversampling (BS.1770-4 Annex 2), dBTP, max over channels. */
  truePeakDbtp: number
  /** Largest sample magnitude, dBFS. */
  samplePeakDbfs: number
  /** Only with targetLufs: gain in dB to apply (null for silence, which no gain normalises). */
  normalizationGainDb?: number | null
}

/** A genre class of the genre detector. */
export type GenreName = 'speech' | 'rock' | 'jazz' | 'electronic' | 'classical'

/** Options of classifyGenre / classifyGenreSync. */
export interface GenreOptions {
  /** Sample rate of the input, Hz, 16000..192000, a whole number whose ratio to 16000 reduces to at most 640/n (16000, 22050, 44100, 48000, 96000, ...). Default 48000. */
  sampleRate?: number
}

/** Options of the streaming GenreClassifier. */
export interface GenreClassifierOptions extends GenreOptions {
  /** Time between window evaluations, ms, 20..3000 (whole 20 ms frames). Default 500. */
  hopMs?: number
  /** Time constant of the exponential averaging of the window probabilities, ms, 0..10000 (0: none). Default 2000. */
  smoothingMs?: number
  /** How long a new genre must keep qualifying before the decision switches, ms, 0..10000. Default 1000. */
  holdMs?: number
  /** Smoothed-probability lead a new genre needs over the current one, 0..0.5. Default 0.1. */
  margin?: number
  /** Smoothed probability below which `genre` is null (neutral preset), 0..1. Default 0.5. */
  threshold?: number
}

/** A genre result: probabilities sum to 1. classifyGenre always names the most probable genre; a GenreClassifier decision is null below its threshold and during the first 3 s. */
export interface GenreResult {
  genre: GenreName | null
  /** Probability of `genre` (of the most probable genre when `genre` is null; 0 before the first window). */
  confidence: number
  probabilities: Record<GenreName, number>
}

/** `new CloudClient(options)`: how to reach the cloud tier. */
export interface CloudClientOptions {
  /**
   * Server addresses: `http://host:port`, `https://host:port` or `host:port` (one replica
   * each), or `dns:///name:port` (every address the name resolves to, e.g. a Kubernetes
   * headless Service; https when caPem is given). Calls and streams are balanced over all
   * replicas by least outstanding requests, with health checking (grpc.health.v1).
   */
  endpoints: string[]
  /** Deadline of a call (or of each stream frame) without its own, ms. Default 5000. */
  timeoutMs?: number
  /** Limit for establishing a connection, ms. Default 2000. */
  connectTimeoutMs?: number
  /** Sent as `authorization: Bearer <token>`. */
  token?: string
  /**
   * Extra attempts of status()/listNodes() after UNAVAILABLE (of execute only when the
   * request was never sent), and moves of a stream to another replica in a row. Default 3.
   */
  retries?: number
  /** How often `dns:///` names are resolved again, ms, ≥ 1000. Default 10000. */
  resolveIntervalMs?: number
  /** CA certificate(s), PEM, for https endpoints. */
  caPem?: string
  /** Name to verify the server certificate against (default: the endpoint's host). */
  tlsDomain?: string
}

/** One replica of `CloudClient.replicas()`. */
export interface CloudReplica {
  /** Where calls go: `http://10.1.2.3:50052`. */
  address: string
  /** In rotation (its health service says SERVING and no call found it unreachable since). */
  serving: boolean
  /** Calls in flight and streams open on it now. */
  active: number
  /** Calls and streams it was given. */
  calls: number
  /** Calls and streams that found it unreachable. */
  failures: number
}

/** Options of `CloudClient.execute`. */
export interface CloudCallOptions {
  /** Wire format. Default by input: Float32Array → 'f32le', Buffer/Uint8Array → 'bytes', else 'json'. */
  format?: 'json' | 'f32le' | 'bytes'
  /** Deadline of this call, ms (default: the client's timeoutMs). */
  timeoutMs?: number
}

/** `CloudClient.status()`. */
export interface CloudStatus {
  status: 'healthy' | 'degraded' | 'unhealthy' | 'starting' | 'stopping' | 'unspecified'
  version: string
  uptimeSeconds: number
  totalRequests: number
  successfulRequests: number
  failedRequests: number
  /** Open StreamNode sessions. */
  activeSessions: number
}

/** One node of `CloudClient.listNodes()`. */
export interface CloudNodeInfo {
  nodeType: string
  category: string
  description: string
  parameters: Array<{ name: string; type: string; description: string; required: boolean; defaultValue: string }>
}

/** `startServer(options)`. */
export interface StartServerOptions {
  /** Address to bind, an IP or "localhost". Default "127.0.0.1". */
  host?: string
  /** Port; 0 (default) picks a free one, read it from `server.port`. */
  port?: number
  /** Directory of the .wasm modules the WasmModule node may run. */
  modulesDir?: string
  /**
   * Require `authorization: Bearer <token>` on every RemoteExecutionService call (compared
   * in constant time; grpc.health.v1 stays open for probes). An empty or blank token is
   * refused with `ERR_INVALID_CONFIG`.
   */
  authToken?: string
  /**
   * Serve TLS: the certificate chain and its private key, PEM (strings or Buffers). Bad
   * PEM or a key that does not match is refused at start with `ERR_INVALID_CONFIG`.
   */
  tls?: { cert: string | Buffer; key: string | Buffer }
  /** Connections one client IP address may hold open at once (more are closed as they arrive), 1..65536. Default 64. */
  maxConnectionsPerIp?: number
  /** How long a StreamNode stream may take to send its init message before it is ended, ms. Default 10000. */
  streamInitTimeoutMs?: number
  /** Largest message, MiB, 1..1024. Default 16. */
  maxMessageMb?: number
  /** Node executions at once. Default: the CPU count. */
  concurrency?: number
  /** Also offer the test node `Delay` (a slow cloud for deadline tests). Default false. */
  enableTestNodes?: boolean
  /** How long close() waits for calls and streams in progress, ms. Default 5000. */
  shutdownGraceMs?: number
}

/** Audio of a WAV file: interleaved samples at full scale ±1.0 (integers map to v / 2^(bits-1)). */
export interface WavAudio {
  /** Sample rate, Hz, >= 1. */
  sampleRate: number
  /** Channels, 1..65535 (the mixer chain takes 1 or 2). */
  channels: number
  /** Interleaved frames: one sample of every channel per frame. */
  samples: Float32Array
  /** The file's encoding when read; the encoding to write (default 'float32'). */
  format?: WavFormat
}

/** WAV sample encodings: integer PCM of 8, 16, 24 or 32 bits, or 32-bit IEEE float. */
export type WavFormat = 'int8' | 'int16' | 'int24' | 'int32' | 'float32'

/** Options of `resample`. */
export interface ResampleOptions {
  /** Rate of the input, Hz, a whole number 8000..192000. */
  sampleRate: number
  /** Rate of the output, Hz, a whole number 8000..192000. */
  targetSampleRate: number
  /** Interleaved channels, >= 1. Default 1. */
  channels?: number
}

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/** A client of the cloud tier: one connection pool per client, made on first use. */
export declare class CloudClient {
  /**
   * Checks the options; connects lazily (a client made while the cloud is down works
   * once it comes up).
   */
  constructor(options: CloudClientOptions)
  /**
   * Runs a node once on the server. The format defaults by the input's type
   * (Float32Array → f32le, Buffer → bytes, else json); the answer is a Float32Array
   * (f32le), a Buffer (bytes) or the parsed JSON value (json).
   */
  execute(nodeType: string, config: Record<string, unknown> | undefined | null, input: Float32Array | Buffer | Uint8Array | string | unknown, options?: CloudCallOptions): Promise<Float32Array | Buffer | any>
  /** Every replica as this client sees it now (empty before the first call). */
  replicas(): CloudReplica[]
  /** The server's health and counters. */
  status(): Promise<CloudStatus>
  /** The nodes the server offers, with their parameters (optionally of one category). */
  listNodes(category?: string): Promise<CloudNodeInfo[]>
  /** Opens a StreamNode session (one node instance on the server for the whole stream). */
  openStream(nodeType: string, config?: Record<string, unknown> | null, options?: { format?: 'json' | 'f32le' | 'bytes' }): CloudStream
  /** Refuses further calls; calls in progress finish. Idempotent. */
  close(): Promise<void>
}

/** A running embedded server. */
export declare class CloudServer {
  /** The bound port (the one picked for port 0). */
  get port(): number
  /** The bound address. */
  get host(): string
  /**
   * Stops accepting, lets calls and streams in progress finish (up to
   * shutdownGraceMs), then resolves; the server no longer keeps the process alive.
   * Idempotent: later calls resolve once it stopped.
   */
  close(): Promise<void>
  /**
   * Lets the process exit while the server listens (as `net.Server#unref`). Returns
   * the server.
   */
  unref(): this
  /**
   * Keeps the process alive while the server listens again (the default; as
   * `net.Server#ref`). Returns the server.
   */
  ref(): this
}

/** One StreamNode session: frames answered in the order they were sent. */
export declare class CloudStream {
  /**
   * Sends one frame; resolves to its answer. Frames may be sent before earlier
   * answers arrive; answers keep the order of `send` calls.
   */
  send(input: Float32Array | Buffer | Uint8Array | string | unknown): Promise<Float32Array | Buffer | any>
  /**
   * The frames (0-based, in sending order) at which the stream moved to another
   * replica because its own went away; the node there started from fresh state.
   */
  get moves(): Array<number>
  /**
   * Ends the stream after every frame sent; resolves to what the node flushed at the
   * end (the mixer's limiter tail), or undefined.
   */
  end(): Promise<Float32Array | Buffer | any | undefined>
}

/**
 * Streaming MFCC / feature extraction: blocks of any length in, one frame out per `hop`
 * samples. The extractor starts with `nFft − hop` samples of silence as history, so
 * with the defaults every 960-sample block pushed yields exactly one frame (the new 960
 * samples plus 64 of history); its output over a signal equals `extractFeaturesSync`
 * over the signal preceded by `nFft − hop` zeros.
 */
export declare class FeatureExtractor {
  /**
   * Creates an extractor; omitted options take the defaults (48 kHz, 1024/960, 40 mel
   * bands, 13 coefficients, MFCCs only — `spectral: true` adds the spectral features).
   */
  constructor(options?: AnalysisOptions)
  /** Feeds a block on the calling thread; returns the frames it completed (possibly 0). */
  pushSync(input: Float32Array): AnalysisFrames
  /** `pushSync` on a worker thread; overlapping calls apply in call order. */
  push(input: Float32Array): Promise<AnalysisFrames>
  /** Back to the initial state (silent history) after every earlier call. */
  reset(): void
  /** The options in effect, every default filled in. */
  get options(): Required<AnalysisOptions>
}

/**
 * Streaming genre decisions: blocks of any length in, the current (smoothed, hysteretic)
 * decision out. `genre` is null below the confidence threshold and during the first 3 s.
 */
export declare class GenreClassifier {
  /**
   * Creates a classifier; omitted options take the defaults (48 kHz, decisions every
   * 500 ms, 2 s smoothing, 1 s hold, margin 0.1, threshold 0.5).
   */
  constructor(options?: GenreClassifierOptions)
  /** Feeds a block on the calling thread; returns the decision after it. */
  pushSync(input: Float32Array): GenreResult
  /** `pushSync` on a worker thread; overlapping calls apply in call order. */
  push(input: Float32Array): Promise<GenreResult>
  /** Back to the initial state (no history, no decision) after every earlier call. */
  reset(): void
  /** The options in effect, every default filled in. */
  get options(): Required<GenreClassifierOptions>
}

/**
 * The mixer chain, mono or interleaved stereo (`channels: 2`, linked gain), any block
 * length (whole frames); state carries across calls.
 */
export declare class MixerChain {
  /** Creates a chain; omitted settings take the documented defaults (a podcast/voice chain). */
  constructor(config?: MixerConfigInput)
  /** Processes a block on the calling thread and returns the processed copy. */
  processSync(input: Float32Array): Float32Array
  /** Processes a block on a worker thread. Overlapping calls are applied in call order. */
  process(input: Float32Array): Promise<Float32Array>
  /**
   * Processes `inputs[i]` on `chains[i]` for every i in one worker-thread job (fewer
   * thread hand-offs than one `process()` per chain when many streams are live). Each
   * block takes its place in its chain's call order now, as `process()` would; a chain
   * may appear more than once. Resolves to one entry per item: the processed block, or
   * the `Error` that block got (the others are unaffected). Rejects before anything runs
   * if the arguments are not two arrays of the same length (at most 65536) of chains and
   * Float32Arrays.
   */
  static processBatch(chains: MixerChain[], inputs: Float32Array[]): Promise<Array<Float32Array | Error>>
  /**
   * Merges a partial configuration over the current one. It is validated whole before
   * anything changes (all or nothing) and takes effect after every earlier call.
   */
  updateConfig(partial: MixerConfigInput): void
  /**
   * `config` (default: the defaults) with the preset-managed parameters (gate threshold
   * and range, the compressor's, the EQ's) set to a genre preset's values at its sample
   * rate: the preset as a fixed configuration (see the README's preset table).
   */
  static presetConfig(preset: 'neutral' | 'speech' | 'rock' | 'jazz' | 'electronic' | 'classical', config?: MixerConfigInput): MixerConfig
  /** The full configuration, including every accepted update. */
  get config(): MixerConfig
  /** Latency of the chain in samples per channel (the limiter lookahead). */
  get latencySamples(): number
  /**
   * Meters of the most recently completed block (pending `process()` calls not
   * included). Never waits for a block in progress.
   */
  meters(): MixerMeters
  /**
   * Clears all processing state (filters, detectors, delay line, meters) after every
   * earlier call; the configuration stays.
   */
  reset(): void
}

/** A loaded module: compiled once, instantiated per session. */
export declare class WasmEdgeNode {
  /**
   * Compiles (or fetches from the cache) a module from a path or its bytes, checks it
   * against the ABI and reads its `describe()` metadata, off the JS thread.
   */
  static load(source: string | Uint8Array, options?: WasmLoadOptions): Promise<WasmEdgeNode>
  /**
   * The module's metadata: `describe()` plus the content hash, where this load found
   * the compiled code (`memory`, `disk` or `compiled`) and what it imports.
   */
  describe(): WasmModuleDescription
  /**
   * The module's calls through `env.call_remote_service` so far, by outcome, over every
   * session of this load.
   */
  remoteCalls(): WasmRemoteCalls
  /**
   * Starts a session: a fresh instance, `initialize(id)` and, with a configuration,
   * `configure(config)`, off the JS thread.
   */
  createSession(id?: string | undefined | null): Promise<WasmSession>
}

/** One instance of a module and its state. Calls run in call order on worker threads. */
export declare class WasmSession {
  /** The session id handed to the module's `initialize`. */
  get id(): string
  /**
   * Runs the module's `process` on one input. Resolves to a Float32Array, a parsed
   * JSON value or a Buffer, as the module's `describe()` declares its output.
   */
  process(data: Float32Array | Uint8Array): Promise<Float32Array | Buffer | unknown>
  /**
   * Runs `process` on `sessions[i]` with `inputs[i]` for every i in one worker-thread
   * job (fewer thread hand-offs than one `process()` per session when many streams are
   * live). Each input takes its place in its session's call order now, as `process()`
   * would; a session may appear more than once. Resolves to one entry per item: what
   * `process()` would resolve to, or the `Error` it would reject with (a trap or a
   * timeout in one session does not affect the others). Rejects before anything runs if
   * the arguments are not two arrays of the same length (at most 65536) of sessions and
   * Float32Array / Uint8Array inputs.
   */
  static processBatch(sessions: WasmSession[], inputs: Array<Float32Array | Uint8Array>): Promise<Array<Float32Array | Buffer | unknown>>
  /** Calls the module's `cleanup` after every earlier call and ends the session. */
  close(): Promise<void>
  /** What the module wrote to stdout and stderr (WASI modules), each kept up to 64 KiB. */
  logs(): { stdout: string; stderr: string; droppedBytes: number }
}

/** `classifyGenreSync` on a worker thread. */
export declare function classifyGenre(input: Float32Array, options?: GenreOptions): Promise<GenreResult>

/**
 * Genre of a mono buffer (at least 3 s): the mean class probabilities of its 3 s
 * windows (one per second); `genre` is always the most probable class.
 */
export declare function classifyGenreSync(input: Float32Array, options?: GenreOptions): GenreResult

/** `readWav` on a file held in memory. */
export declare function decodeWav(bytes: Uint8Array): Promise<WavAudio>

/** `writeWav` into memory: resolves to the file's bytes and the clipped count. */
export declare function encodeWav(audio: WavAudio): Promise<{ bytes: Buffer; clippedSamples: number }>

/** `extractFeaturesSync` on a worker thread. */
export declare function extractFeatures(input: Float32Array, options?: AnalysisOptions): Promise<AudioFeatures>

/**
 * MFCCs and spectral features (RMS, zero-crossing rate, centroid, rolloff, flatness,
 * flux) of every frame of `input`, center=false framing.
 */
export declare function extractFeaturesSync(input: Float32Array, options?: AnalysisOptions): AudioFeatures

/** `extractMfccSync` on a worker thread. */
export declare function extractMfcc(input: Float32Array, options?: AnalysisOptions): Promise<Float32Array>

/**
 * MFCCs of every frame of `input` (center=false framing: frame i covers samples
 * [i·hop, i·hop + nFft)), frame-major: `nMfcc` coefficients of frame 0, then frame 1…
 * The frame count is `result.length / nMfcc`.
 */
export declare function extractMfccSync(input: Float32Array, options?: AnalysisOptions): Float32Array

/** `measureLoudnessSync` on a worker thread. */
export declare function measureLoudness(input: Float32Array, options?: LoudnessOptions): Promise<LoudnessResult>

/** Integrated, short-term and momentary loudness and true peak of a whole programme. */
export declare function measureLoudnessSync(input: Float32Array, options?: LoudnessOptions): LoudnessResult

/**
 * Reads a WAV file (PCM 8/16/24/32-bit or 32-bit float, any channel count) into
 * interleaved samples at full scale ±1.0, off the JS thread.
 */
export declare function readWav(path: string): Promise<WavAudio>

/**
 * Converts a whole interleaved signal between sample rates (rubato's FFT resampler,
 * delay-compensated: `round(frames · target / rate)` frames out, aligned with the input).
 */
export declare function resample(samples: Float32Array, options: ResampleOptions): Promise<Float32Array>

/**
 * Starts the cloud tier in this process: RemoteExecutionService and grpc.health.v1 on
 * `host:port` (default 127.0.0.1, port 0 = a free port), with TLS and a bearer token if
 * asked. Resolves once it listens; from then on it keeps the process alive until
 * `close()` (or `unref()`).
 */
export declare function startServer(options?: StartServerOptions): Promise<CloudServer>

/**
 * Starts the process-wide WASM engine off the JS thread (idempotent) and resolves to
 * the number of instance slots in force. `maxInstances` (sessions alive at once, 1 to
 * 100000, default 1000) sizes the pool once per process; `maxInstancesPerModule` (1 to
 * `maxInstances`, default three quarters of it) caps the sessions of any one module, so
 * that one module can never take every slot (`ERR_WASM_CAPACITY` names the module).
 * Asking for other sizes after the engine started rejects with `ERR_INVALID_CONFIG`.
 */
export declare function startWasmEngine(maxInstances?: number | undefined | null, maxInstancesPerModule?: number | undefined | null): Promise<number>

/**
 * Writes `audio` as a WAV file in `audio.format` (default float32), replacing `path`.
 * Integer formats round to the nearest step and clip; resolves to the clipped count.
 */
export declare function writeWav(path: string, audio: WavAudio): Promise<{ clippedSamples: number }>
