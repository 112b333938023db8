/**
 * WebSocket /stream: binary messages of 960 float32le samples in, the processed frames
 * out, in order, on a chain of the connection's own (state carries from frame to frame;
 * configured with the server configuration at connect time).
 *
 * A text message `{"config": {...}}` updates this connection's chain (validated whole)
 * and is answered, in order with the frames, by `{"config": <full config>}` or
 * `{"code","message"}`. A malformed binary frame (not exactly 960 finite samples) is
 * answered by `{"code","message"}` and the socket is closed with 1007: dropping it would
 * shift every later frame. So is a text message nesting deeper than MAX_JSON_DEPTH
 * (refused before it is parsed; json.ts).
 *
 * A connection that sends no message for `idleMs` (while the server is reading it) is
 * closed with 1001.
 *
 * Backpressure: while more than `maxFramesInFlight` frames of a connection are processed
 * or unsent, or its socket holds more than `highWaterMarkBytes` unsent, the server stops
 * reading that socket (TCP then slows the client); it reads again below half of both.
 */
import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import type { MixerConfigInput } from '../../../index.js'
import { ErrorCode } from '../../errors.js'
import { assertFrame, FRAME_SAMPLES, samplesFromBytes } from '../audio.js'
import type { RouteContext } from '../context.js'
import { describeError, HttpError } from '../errors.js'
import { nestsDeeperThan, tooDeep } from '../json.js'
import { NODE_OF_ROUTE } from '../node-metrics.js'

/** WebSocket close code for a message with invalid data (RFC 6455 §7.4.1). */
const INVALID_PAYLOAD = 1007
/** WebSocket close code of an endpoint going away (RFC 6455 §7.4.1): here, an idle stream. */
const GOING_AWAY = 1001

export function streamRoute(app: FastifyInstance, ctx: RouteContext): void {
  const { maxFramesInFlight, highWaterMarkBytes, idleMs } = ctx.options.stream
  app.get('/stream', { websocket: true }, (socket: WebSocket, request) => {
    const chain = ctx.chains.create()
    const stats = ctx.stats
    stats.streams.open++
    stats.streams.total++
    const closed = stats.nodes.openStream(NODE_OF_ROUTE['/stream'])
    let inFlight = 0
    let paused = false
    let closing = false
    // Replies are sent in message order: each waits for the one before.
    let tail: Promise<unknown> = Promise.resolve()

    const sendError = (err: unknown) => {
      const { body } = describeError(err)
      stats.error(body.code)
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(body))
    }
    const sent = () => {
      inFlight--
      if (paused && inFlight <= maxFramesInFlight / 2 && socket.bufferedAmount <= highWaterMarkBytes / 2) {
        paused = false
        socket.resume()
      }
    }
    /** Sends the result of `work` after every earlier reply; `frames` replies (each calls `sent`). */
    const reply = <T>(work: Promise<T>, send: (value: T) => void, frames = 1) => {
      // Settled at once (a rejection is handled even while earlier replies are pending).
      const settled = work.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      )
      tail = tail
        .then(async () => {
          const r = await settled
          if (r.ok && socket.readyState === socket.OPEN) return send(r.value)
          for (let i = 0; i < frames; i++) sent()
          if (!r.ok) sendError(r.error)
        })
        .catch((err: unknown) => {
          // A fault of the server itself: later replies cannot keep their order.
          request.log.error({ err }, 'stream reply failed')
          socket.terminate()
        })
    }

    // Frames received while a batch is being processed wait here and go to the chain as
    // one block when it finishes: the chain is block-size independent (bit-identical
    // output), so batching only saves hand-offs under load and adds no latency when idle.
    let waiting: Float32Array[] = []
    let busy = false
    const submit = () => {
      if (waiting.length === 0) return
      const batch = waiting
      waiting = []
      busy = true
      const work = chain.process(batch.length === 1 ? batch[0] : concat(batch))
      // Each frame counts as a call of the cloud tier's mixer node, once processed.
      const done = (code: string) => () => {
        for (let i = 0; i < batch.length; i++) stats.nodes.record('WebSocket /stream', NODE_OF_ROUTE['/stream'], code)
        busy = false
        submit()
      }
      work.then(done('OK'), done('INTERNAL'))
      reply(work, (out) => {
        for (let i = 0; i < batch.length; i++) socket.send(out.subarray(i * FRAME_SAMPLES, (i + 1) * FRAME_SAMPLES), { binary: true }, sent)
      }, batch.length)
    }

    /** Answers an invalid message after the replies to earlier ones, then closes with 1007. */
    const refuse = (err: unknown, reason: string) => {
      submit()
      inFlight++
      reply(Promise.reject(err), () => {})
      tail = tail.then(() => {
        // Read again so the closing handshake completes (later messages are ignored).
        socket.resume()
        socket.close(INVALID_PAYLOAD, reason)
      })
      closing = true
      socket.pause()
    }

    // Idle while reading: a paused stream is waiting on its own output, not idle.
    const idle = setTimeout(function expire() {
      if (paused || closing) idle.refresh()
      else socket.close(GOING_AWAY, 'idle timeout')
    }, idleMs)

    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (closing) return
      idle.refresh()
      if (!isBinary) {
        const text = data.toString('utf8')
        if (nestsDeeperThan(text)) return refuse(tooDeep(), 'JSON nested too deep')
        // Frames before the message go to the chain first: the config applies after them.
        submit()
        inFlight++
        reply(configure(chain, text), (config) => socket.send(JSON.stringify({ config }), sent))
      } else {
        let frame: Float32Array
        try {
          frame = assertFrame(samplesFromBytes(data), 'body')
        } catch (err) {
          return refuse(err, 'invalid frame')
        }
        stats.frames.websocket++
        inFlight++
        waiting.push(frame)
        if (!busy) submit()
      }
      if (!paused && (inFlight > maxFramesInFlight || socket.bufferedAmount > highWaterMarkBytes)) {
        paused = true
        stats.streams.pauses++
        socket.pause()
      }
    })
    socket.on('close', () => {
      clearTimeout(idle)
      stats.streams.open--
      closed()
    })
  })
}

/** Applies a `{"config": {...}}` control message to the connection's chain (in order with its frames). */
async function configure(chain: { updateConfig(c: MixerConfigInput): void; config: unknown }, text: string): Promise<unknown> {
  let message: unknown
  try {
    message = JSON.parse(text)
  } catch {
    throw new HttpError(ErrorCode.INVALID_JSON, 'a text message must be JSON {"config": {...}}')
  }
  const config = (message as { config?: unknown } | null)?.config
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new HttpError(ErrorCode.INVALID_ARG_TYPE, 'a text message must be {"config": {...}} with a plain-object config')
  }
  chain.updateConfig(config as MixerConfigInput)
  return chain.config
}

/** The frames one after the other in one block. */
function concat(frames: Float32Array[]): Float32Array {
  const block = new Float32Array(frames.length * FRAME_SAMPLES)
  frames.forEach((f, i) => block.set(f, i * FRAME_SAMPLES))
  return block
}
