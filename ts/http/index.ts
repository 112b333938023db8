export { createHttpServer } from './server.js'
export type { HttpServer } from './server.js'
export type { HttpServerOptions } from './options.js'
