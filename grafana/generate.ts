import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BOARDS_SUBDIR, PROVISIONING_DIR, provisioningFiles } from './provisioning-files.js';

// npm run grafana:generate — rewrites grafana/provisioning/ from the boards as code.
// test/grafana/provisioning-files.test.ts fails when the committed files are out of date.

const files = provisioningFiles();
// Boards that no longer exist must not linger in the provisioned folder.
const boardsDir = join(PROVISIONING_DIR, BOARDS_SUBDIR);
mkdirSync(boardsDir, { recursive: true });
for (const name of readdirSync(boardsDir, { withFileTypes: true })
  .filter((e) => e.isFile())
  .map((e) => e.name)) {
  if (!files.has(`${BOARDS_SUBDIR}/${name}`)) rmSync(join(boardsDir, name));
}
for (const [path, content] of files) {
  const target = join(PROVISIONING_DIR, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, content);
}
process.stdout.write(`wrote ${files.size} files under ${PROVISIONING_DIR}\n`);
