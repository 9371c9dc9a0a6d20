// Writes config/haproxy.cfg, HAProxy's configuration in docker-compose.yml (the broker nodes `broker` and `broker-2`):
//   npx tsx scripts/haproxy-compose.ts     (test/compose/compose.test.ts checks the file is what this writes)
import { writeFileSync } from 'node:fs';
import { haproxyConfig } from '../lib/haproxy.js';
import { projectPath } from '../lib/paths.js';

export const COMPOSE_HAPROXY_CONFIG = haproxyConfig({
  bind: { host: '0.0.0.0', port: 1883 },
  brokers: ['broker', 'broker-2'].map((name) => ({ name, host: name, port: 1883, checkPort: 9101 })),
});

if (import.meta.url === `file://${process.argv[1]}`) writeFileSync(projectPath('config/haproxy.cfg'), COMPOSE_HAPROXY_CONFIG);
