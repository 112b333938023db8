// Misbehaving clouds on 127.0.0.1, ephemeral ports, each a real server: one that accepts
// connections and never answers, ones that answer junk (raw bytes; HTTP/2 with a gRPC
// body that is not one), and an impostor gRPC server speaking the project's own proto
// (@grpc/grpc-js) that answers as another node or out of sequence.
import { once } from 'node:events'
import { createServer as createHttp2Server, type Http2Server } from 'node:http2'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import grpc from '@grpc/grpc-js'
import protoLoader from '@grpc/proto-loader'
import { MixerChain } from '../dist/index.js'

export interface FaultServer {
  port: number
  /** Connections accepted so far. */
  connections(): number
  close(): Promise<void>
}

/** Listens on 127.0.0.1:0 and tracks sockets so close() ends them all. */
async function listening(server: Server | Http2Server, sockets: Set<Socket>): Promise<FaultServer> {
  let accepted = 0
  server.on('connection', (socket: Socket) => {
    accepted++
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as { port: number }).port,
    connections: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Accepts TCP connections, reads what comes and never writes a byte. */
export function silentServer(): Promise<FaultServer> {
  const sockets = new Set<Socket>()
  return listening(createServer((socket) => socket.resume()), sockets)
}

/** Deterministic junk (xorshift32), so a failure is reproducible. */
function junk(length: number, seed: number): Buffer {
  let s = seed >>> 0 || 1
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    out[i] = s & 0xff
  }
  return out
}

/** Answers every TCP connection with 4 KiB of junk bytes (no HTTP/2 at all), then holds it. */
export function junkServer(): Promise<FaultServer> {
  const sockets = new Set<Socket>()
  let n = 0
  return listening(
    createServer((socket) => {
      socket.resume()
      socket.write(junk(4096, 0x5eed + n++))
    }),
    sockets,
  )
}

/**
 * A well-formed HTTP/2 server that answers every request as gRPC (status 200,
 * content-type application/grpc, grpc-status 0) with a body that is not a gRPC message:
 * a length prefix promising more than follows, then junk.
 */
export function junkGrpcServer(): Promise<FaultServer> {
  const sockets = new Set<Socket>()
  const server = createHttp2Server()
  let n = 0
  server.on('stream', (stream) => {
    stream.on('error', () => {})
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true })
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }))
    const body = junk(64, 0xbad + n++)
    body[0] = 0 // not compressed
    body.writeUInt32BE(1 << 20, 1) // a 1 MiB message that never comes
    stream.end(body)
  })
  return listening(server, sockets)
}

/** How the impostor misbehaves. */
export type Impostor =
  /** Answers every frame with the input itself (what PassThrough gives), naming PassThrough. */
  | 'another-node'
  /** The mixer's right answers, but the first one twice (both numbered 1). */
  | 'repeated'
  /** The mixer's right answers, each numbered right, but frame 3's before frame 2's. */
  | 'swapped'

const PROTO = join(__dirname, '..', 'proto', 'execution.proto')

interface StreamData {
  payload?: 'init' | 'data'
  init?: { node_type: string }
  data?: Buffer
}

const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)

/**
 * A gRPC server on the project's proto that lists AudioMixer and answers StreamNode and
 * ExecuteNode as `how` says. Its mixer answers (where it gives them) are a real
 * MixerChain's, per stream: only the identity or the order is wrong.
 */
export async function impostorServer(how: Impostor): Promise<FaultServer> {
  const definition = protoLoader.loadSync(PROTO, { keepCase: true, longs: Number, defaults: true, oneofs: true, includeDirs: [join(__dirname, '..', 'proto')] })
  const service = (grpc.loadPackageDefinition(definition) as any).remotemedia.execution.RemoteExecutionService.service
  const server = new grpc.Server()
  let streams = 0
  server.addService(service, {
    ListNodes(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
      callback(null, { available_nodes: [{ node_type: 'AudioMixer', category: 'audio' }] })
    },
    ExecuteNode(call: grpc.ServerUnaryCall<{ input_data: Buffer }, unknown>, callback: grpc.sendUnaryData<unknown>) {
      const named = new grpc.Metadata()
      named.set('edgemix-node-type', how === 'another-node' ? 'PassThrough' : 'AudioMixer')
      call.sendMetadata(named)
      const input = call.request.input_data
      const output = how === 'another-node' ? input : bytes(new MixerChain().processSync(f32(input)))
      callback(null, { status: 1, output_data: output })
    },
    StreamNode(call: grpc.ServerDuplexStream<StreamData, unknown>) {
      // No headers until the first answer (grpc-js's and grpcio's default): the client
      // must send its frames without waiting for them.
      streams++
      const chain = new MixerChain()
      let received = 0
      let held: { data: Buffer; sequence: number } | undefined
      const answer = (data: Buffer, sequence: number, node_type = 'AudioMixer') => call.write({ data, sequence, node_type })
      call.on('error', () => {})
      call.on('data', (message: StreamData) => {
        if (message.payload !== 'data' || !message.data) return
        const sequence = ++received
        if (how === 'another-node') return answer(message.data, sequence, 'PassThrough')
        const output = bytes(chain.processSync(f32(message.data)))
        if (how === 'repeated') {
          answer(output, sequence)
          if (sequence === 1) answer(output, sequence)
        } else if (sequence === 2) {
          held = { data: output, sequence }
        } else {
          answer(output, sequence)
          if (held && sequence === 3) {
            answer(held.data, held.sequence)
            held = undefined
          }
        }
      })
      call.on('end', () => call.end())
    },
  })
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  )
  return {
    port,
    connections: () => streams,
    // Clients may still hold streams: they are cut, as a crashed impostor would.
    close: async () => server.forceShutdown(),
  }
}
