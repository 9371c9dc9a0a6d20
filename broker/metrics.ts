import { Counter, Gauge, type Registry } from 'prom-client';

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;

export function createBrokerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    clientsConnected: new Gauge({ name: 'broker_clients_connected', help: 'MQTT clients connected and authenticated, by role', labelNames: ['role'], registers }),
    connections: new Counter({ name: 'broker_connections_total', help: 'Network connections accepted, by transport (tcp|ws)', labelNames: ['transport'], registers }),
    messagesIn: new Counter({ name: 'broker_messages_in_total', help: 'PUBLISH packets accepted from clients (incl. Last Wills), by role', labelNames: ['role'], registers }),
    messagesOut: new Counter({ name: 'broker_messages_out_total', help: 'PUBLISH packets delivered to subscribers', registers }),
    payloadBytesIn: new Counter({ name: 'broker_payload_bytes_in_total', help: 'Payload bytes of accepted PUBLISH packets', registers }),
    payloadBytesOut: new Counter({ name: 'broker_payload_bytes_out_total', help: 'Payload bytes delivered to subscribers', registers }),
    networkBytesIn: new Counter({ name: 'broker_network_bytes_in_total', help: 'Bytes received on client connections, by transport', labelNames: ['transport'], registers }),
    refusals: new Counter({
      name: 'broker_refusals_total',
      help: 'Refused connects, publishes, subscribes and oversized packets, by kind and reason',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    slowClientDisconnects: new Counter({
      name: 'broker_slow_client_disconnects_total',
      help: 'Clients disconnected because their socket did not drain within the drain timeout',
      registers,
    }),
  };
}
