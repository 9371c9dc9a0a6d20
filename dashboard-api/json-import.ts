import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { importOnce, insertChunked, type ImportCounts } from '../lib/db/import-once.js';
import type { Db } from '../lib/db/database.js';
import type { Logger } from '../lib/logger.js';
import { AuditEntrySchema, auditRow } from './audit-log.js';
import { parseUsersFile, upsertUsers } from './auth/users.js';

// Installs from before the database kept users, manual acceptance scores and the audit log in JSON
// files. Each file is imported once (the imports ledger says which), on the first start that finds
// it; the files are left in place, untouched. A file that is not there is not claimed, so one
// placed later is still imported.

export interface DashboardFiles {
  usersFile: string;
  auditFile: string;
  acceptanceFile: string;
}

const AcceptanceFileSchema = z.object({
  version: z.literal(1),
  scores: z.record(
    z.string().regex(/^[A-Z]{2,3}:\d{4}:\d{1,2}$/),
    z.object({ score: z.number().min(0), note: z.string(), by: z.string(), at: z.number().int() }),
  ),
});

export async function importDashboardFiles(
  db: Db,
  files: DashboardFiles,
  logger: Logger,
  now: () => number = Date.now,
): Promise<Record<string, ImportCounts | null>> {
  const once = (source: string, file: string, load: (trx: Db, text: string) => Promise<ImportCounts>) =>
    existsSync(file) ? importOnce(db, { source, origin: file, logger, now }, (trx) => load(trx, readFileSync(file, 'utf8'))) : Promise.resolve(null);

  return {
    // A malformed users or scores file stops the start (as it did before): nobody should find
    // themselves locked out, or a form silently emptied, by a half import.
    users: await once('users', files.usersFile, async (trx, text) => {
      const users = parseUsersFile(JSON.parse(text), files.usersFile);
      await upsertUsers(trx, users, now());
      return { imported: users.length, skipped: 0 };
    }),
    acceptance: await once('acceptance_scores', files.acceptanceFile, async (trx, text) => {
      const parsed = AcceptanceFileSchema.safeParse(JSON.parse(text));
      if (!parsed.success)
        throw new Error(`invalid acceptance file ${files.acceptanceFile}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const rows = Object.entries(parsed.data.scores).map(([key, s]) => {
        const [district, year, no] = key.split(':');
        return { district: district!, year: Number(year), item_no: Number(no), score: s.score, note: s.note, by: s.by, at: s.at };
      });
      await insertChunked(rows, (chunk) => trx.insertInto('acceptance_scores').values(chunk).execute());
      return { imported: rows.length, skipped: 0 };
    }),
    // The audit log was appended line by line: a torn last line (crash mid-write) is skipped and counted, in order otherwise.
    audit: await once('audit_log', files.auditFile, async (trx, text) => {
      const lines = text.split('\n').filter((l) => l.trim() !== '');
      const rows = lines.flatMap((line) => {
        const parsed = AuditEntrySchema.safeParse(safeJson(line));
        return parsed.success ? [auditRow(parsed.data)] : [];
      });
      await insertChunked(rows, (chunk) => trx.insertInto('audit_log').values(chunk).execute());
      return { imported: rows.length, skipped: lines.length - rows.length };
    }),
  };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
