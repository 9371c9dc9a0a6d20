/**
 * The project's layers, checked by test/architecture/layers.test.ts:
 *   domain/  pure core: imports nothing of ours and no Node I/O
 *   rules/   pure rules engine: imports domain/ only
 *   lib/     shared edges (logger, metrics, config, InfluxDB, files): imports domain/ only, never a service
 *   services broker/ ingest/ alerting/ dashboard-api/ device-sim/ grafana/: import domain/, rules/ and lib/,
 *            not each other, with two exceptions: dashboard-api/main.ts hosts the alerting service in its
 *            process (alerting/host.ts, its config, and leadership.ts for several nodes), and broker/main.ts the
 *            ingest (BROKER_INGEST=embedded), as the README describes
 *   web      dashboard-api/web/src (browser bundle): imports domain/ and rules/, and the server's contract
 *            (dashboard-api/) for types only (`import type`), so nothing of the server is bundled
 *   platform/ (everything in one process), scripts/, bench/, test/: composition roots and tools; only they
 *            may import platform/ and only test/ and bench/ may import test/
 * and no import cycle anywhere.
 */
const SERVICES = '^(broker|ingest|alerting|dashboard-api|device-sim|grafana)/';
const OURS = '^(domain|rules|lib|broker|ingest|alerting|dashboard-api|device-sim|grafana|platform|scripts|bench|test)/';
const WEB = '^dashboard-api/web/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ is the pure core: it imports nothing of ours outside domain/',
      severity: 'error',
      from: { path: '^domain/' },
      to: { path: OURS, pathNot: '^domain/' },
    },
    {
      name: 'core-does-no-io',
      comment: 'domain/ and rules/ are pure: no file, network or process I/O (that belongs at the edges)',
      severity: 'error',
      from: { path: '^(domain|rules)/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|net|http|https|http2|dgram|child_process|cluster|worker_threads|dns|tls|readline)$' },
    },
    {
      name: 'rules-only-domain',
      comment: 'rules/ builds on domain/ only',
      severity: 'error',
      from: { path: '^rules/' },
      to: { path: OURS, pathNot: '^(rules|domain)/' },
    },
    {
      name: 'lib-no-service',
      comment: 'lib/ is shared by the services, so it imports none of them (nor rules/, nor the tools)',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: OURS, pathNot: '^(lib|domain)/' },
    },
    {
      name: 'services-independent',
      comment: 'a service reaches another only through domain/, rules/ and lib/ (MQTT, InfluxDB, ports in domain/)',
      severity: 'error',
      from: { path: '^(broker|ingest|alerting|dashboard-api|device-sim|grafana)/', pathNot: [WEB, '^dashboard-api/main\\.ts$', '^broker/main\\.ts$'] },
      to: { path: SERVICES, pathNot: '^$1/' },
    },
    {
      name: 'broker-hosts-ingest',
      comment: 'the other allowed edge: broker/main.ts starts the embedded ingest in its node (BROKER_INGEST=embedded)',
      severity: 'error',
      from: { path: '^broker/main\\.ts$' },
      to: { path: SERVICES, pathNot: ['^broker/', '^ingest/(ingest|config)\\.ts$'] },
    },
    {
      name: 'dashboard-hosts-alerting',
      comment: 'the one allowed service-to-service edge: dashboard-api/main.ts starts the alerting service in its process',
      severity: 'error',
      from: { path: '^dashboard-api/main\\.ts$' },
      to: { path: SERVICES, pathNot: ['^dashboard-api/', '^alerting/(host|config|leadership)\\.ts$'] },
    },
    {
      name: 'services-not-into-web',
      comment: 'the server does not import the browser bundle (tests may, to check its pure modules such as series-shape.ts)',
      severity: 'error',
      from: { path: OURS, pathNot: [WEB, '^test/'] },
      to: { path: WEB },
    },
    {
      name: 'web-imports-server-types-only',
      comment: 'the browser bundle uses the server contract for types only (import type), and domain/ and rules/',
      severity: 'error',
      from: { path: WEB },
      to: { path: OURS, pathNot: ['^(domain|rules)/', WEB, '^dashboard-api/'] },
    },
    {
      name: 'web-server-contract-is-type-only',
      comment: 'a value import from the server would bundle server code (and its dependencies) into the browser',
      severity: 'error',
      from: { path: WEB },
      to: { path: '^dashboard-api/', pathNot: WEB, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-tools-import-platform',
      comment: 'platform/ composes everything; nothing below it imports it',
      severity: 'error',
      from: { path: OURS, pathNot: '^(platform|scripts|bench|test)/' },
      to: { path: '^platform/' },
    },
    {
      name: 'only-tests-import-tests',
      comment: 'test helpers are not part of the product',
      severity: 'error',
      from: { path: OURS, pathNot: '^(test|bench)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-cycles',
      comment: 'an import cycle ties modules that should be layered (e.g. a view importing the router that imports it)',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
  },
};
