// grpc.health.v1 Check from Node, with @grpc/grpc-js: what a load balancer or a
// Kubernetes gRPC probe asks a server. The service is declared here (two messages and
// one method of the standard health protocol) rather than loaded from a .proto file.
import grpc from '@grpc/grpc-js'
import protoLoader from '@grpc/proto-loader'

const definition = protoLoader.fromJSON({
  nested: {
    grpc: {
      nested: {
        health: {
          nested: {
            v1: {
              nested: {
                HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
                HealthCheckResponse: {
                  fields: { status: { type: 'ServingStatus', id: 1 } },
                  nested: { ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } } },
                },
                Health: {
                  methods: { Check: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse' } },
                },
              },
            },
          },
        },
      },
    },
  },
}, { enums: String })

const { Health } = grpc.loadPackageDefinition(definition).grpc.health.v1

/**
 * The serving status ('SERVING', 'NOT_SERVING', ...) `address` (host:port) reports for
 * `service` ('' = the server as a whole); rejects when it does not answer in `timeoutMs`.
 */
export function checkHealth(address, service = '', timeoutMs = 2000) {
  const client = new Health(address, grpc.credentials.createInsecure())
  return new Promise((resolve, reject) => {
    client.Check({ service }, { deadline: Date.now() + timeoutMs }, (err, answer) => {
      client.close()
      if (err) reject(err)
      else resolve(answer.status)
    })
  })
}
