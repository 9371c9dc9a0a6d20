// aedes-persistence's own abstract test suite (node:test) run against IndexedMemoryPersistence,
// directly and behind the callback layer aedes uses. Started by indexed-persistence.test.ts.
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { IndexedMemoryPersistence, indexedMemoryPersistence } from '../../broker/indexed-persistence.js';

const require = createRequire(import.meta.url);
const abstractSuite = require('aedes-persistence/abstract.js') as (opts: object) => void;

abstractSuite({ test, persistence: () => new IndexedMemoryPersistence(), testAsync: true });
abstractSuite({ test, persistence: (opts: object = {}) => indexedMemoryPersistence({ ...opts, broadcastSubscriptions: true }), testAsync: true });
