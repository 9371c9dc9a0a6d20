import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { ManualScore } from '../rules/acceptance-form.js';

// Manual scores of the acceptance form, one small JSON file rewritten atomically
// (temp file, fsync, rename): a crash leaves the old or the new file, never half of one.

const StoredScoreSchema = z.object({ score: z.number().min(0), note: z.string(), by: z.string(), at: z.number().int() });
const FileSchema = z.object({ version: z.literal(1), scores: z.record(z.string().regex(/^[A-Z]{2,3}:\d{4}:\d{1,2}$/), StoredScoreSchema) });

export interface AcceptanceStore {
  forForm(district: string, year: number): Map<number, ManualScore>;
  set(district: string, year: number, no: number, score: ManualScore): Promise<void>;
}

export function openAcceptanceStore(path: string): AcceptanceStore {
  const scores: Record<string, ManualScore> = existsSync(path) ? loadFile(path) : {};
  let queue = Promise.resolve();
  return {
    forForm(district, year) {
      const out = new Map<number, ManualScore>();
      for (const [key, value] of Object.entries(scores)) {
        const [d, y, no] = key.split(':');
        if (d === district && Number(y) === year) out.set(Number(no), value);
      }
      return out;
    },
    set(district, year, no, score) {
      const write = queue.then(async () => {
        const next = { ...scores, [`${district}:${year}:${no}`]: score };
        mkdirSync(dirname(path), { recursive: true });
        const tmp = `${path}.tmp`;
        const file = await open(tmp, 'w', 0o600);
        try {
          await file.writeFile(`${JSON.stringify({ version: 1, scores: next }, null, 2)}\n`);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(tmp, path);
        scores[`${district}:${year}:${no}`] = score;
      });
      queue = write.catch(() => undefined);
      return write;
    },
  };
}

function loadFile(path: string): Record<string, ManualScore> {
  const parsed = FileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`invalid acceptance file ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data.scores;
}
