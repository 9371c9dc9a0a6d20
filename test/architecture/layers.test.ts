import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import test from 'ava';
import { cruise, type ICruiseOptions, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { projectPath } from '../../lib/paths.js';

// The layers of .dependency-cruiser.cjs hold on the real tree, and each rule really fires on a breach.

const LAYERS = ['domain', 'rules', 'lib', 'broker', 'ingest', 'alerting', 'dashboard-api', 'device-sim', 'grafana', 'platform', 'scripts', 'bench', 'test'];

const options = (): Promise<ICruiseOptions> => extractDepcruiseOptions(projectPath('.dependency-cruiser.cjs'));
const describe = (v: IViolation): string => `${v.rule.name}: ${v.from} → ${v.to}`;

test('the code keeps its layers (domain pure, rules on domain, lib on no service, services apart, web on server types only, no cycles)', async (t) => {
  const result = await cruise(LAYERS, { ...(await options()), baseDir: projectPath('.') }, undefined, {
    tsConfig: extractTSConfig(projectPath('tsconfig.json')),
  });
  if (typeof result.output === 'string') return t.fail('expected a cruise result');
  const violations = result.output.summary.violations.map(describe);
  t.deepEqual(violations, [], `layer violations:\n${violations.join('\n')}`);
  // The web bundle is cruised too (it is outside the server's tsconfig but inside these folders).
  t.true(result.output.modules.some((m) => m.source === 'dashboard-api/web/src/main.ts'));
});

test('every layer rule fires on a breach, and the allowed edges pass', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'layers-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'domain/core.ts': "import { b } from '../lib/shared.ts';\nexport const core = b;",
    'domain/io.ts': "import { readFileSync } from 'node:fs';\nexport const io = readFileSync;",
    'rules/rule.ts': "import { b } from '../lib/shared.ts';\nimport { d } from '../domain/ok.ts';\nexport const r = [b, d];",
    'domain/ok.ts': 'export const d = 1;',
    'lib/shared.ts': "import { c } from '../broker/creds.ts';\nimport { d } from '../domain/ok.ts';\nexport const b = [c, d];",
    'broker/creds.ts': 'export const c = 1;',
    'ingest/ingest.ts': "import { c } from '../broker/creds.ts';\nexport const i = c;",
    'alerting/host.ts': 'export const host = 1;',
    'alerting/report.ts': "import { p } from '../platform/main.ts';\nexport const x = p;",
    'platform/main.ts': 'export const p = 1;',
    'dashboard-api/main.ts': "import { host } from '../alerting/host.ts';\nimport { c } from '../broker/creds.ts';\nexport const m = [host, c];",
    'dashboard-api/contract.ts': 'export interface Contract { a: number }\nexport const value = 1;',
    'dashboard-api/server.ts': "import { v } from './web/src/typed.ts';\nexport const s = v;",
    'dashboard-api/web/src/typed.ts': "import type { Contract } from '../../contract.ts';\nexport const v: Contract = { a: 1 };",
    'dashboard-api/web/src/valued.ts': "import { value } from '../../contract.ts';\nimport { b } from '../../../lib/shared.ts';\nexport const w = [value, b];",
    'grafana/board.ts': "import { h } from '../test/helper.ts';\nexport const g = h;",
    'test/helper.ts': 'export const h = 1;',
    'device-sim/one.ts': "import { two } from './two.ts';\nexport const one = () => two;",
    'device-sim/two.ts': "import { one } from './one.ts';\nexport const two = () => one;",
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), `${text}\n`);
  }
  const { tsConfig: _mainTsConfig, ...rest } = await options();
  const result = await cruise([...new Set(Object.keys(files).map((f) => f.split('/')[0]!))], { ...rest, baseDir: dir });
  if (typeof result.output === 'string') return t.fail('expected a cruise result');
  t.deepEqual(result.output.summary.violations.map(describe).sort(), [
    'core-does-no-io: domain/io.ts → fs',
    'dashboard-hosts-alerting: dashboard-api/main.ts → broker/creds.ts',
    'domain-is-pure: domain/core.ts → lib/shared.ts',
    'lib-no-service: lib/shared.ts → broker/creds.ts',
    'no-cycles: device-sim/one.ts → device-sim/two.ts',
    'only-tests-import-tests: grafana/board.ts → test/helper.ts',
    'only-tools-import-platform: alerting/report.ts → platform/main.ts',
    'rules-only-domain: rules/rule.ts → lib/shared.ts',
    'services-independent: ingest/ingest.ts → broker/creds.ts',
    'services-not-into-web: dashboard-api/server.ts → dashboard-api/web/src/typed.ts',
    'web-imports-server-types-only: dashboard-api/web/src/valued.ts → lib/shared.ts',
    'web-server-contract-is-type-only: dashboard-api/web/src/valued.ts → dashboard-api/contract.ts',
  ]);
});
