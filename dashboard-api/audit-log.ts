import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { DISTRICT_CODES } from '../domain/districts.js';

// The audit log is an append-only JSON-lines file, fsynced before the action is answered:
// it must survive an InfluxDB outage (the moment people act most), stays readable with
// plain tools for an inspection, and a line is never rewritten.

export const AUDIT_ACTIONS = ['acknowledge', 'resolve', 'silence', 'attest', 'acceptance_edit'] as const;

export const AuditEntrySchema = z
  .object({
    at: z.number().int().describe('Epoch ms'),
    user: z.string(),
    role: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    district: z.enum(DISTRICT_CODES).optional(),
    target: z.string().describe('Alert key, station id or form item'),
    detail: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(filter: { district?: string; limit: number }): AuditEntry[];
  close(): Promise<void>;
}

export async function openAuditLog(path: string): Promise<AuditLog> {
  mkdirSync(dirname(path), { recursive: true });
  const entries: AuditEntry[] = existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .flatMap((line) => {
          const parsed = AuditEntrySchema.safeParse(safeJson(line));
          return parsed.success ? [parsed.data] : [];
        })
    : [];
  const file: FileHandle = await open(path, 'a', 0o600);
  let queue = Promise.resolve();
  return {
    append(entry) {
      // Serialised so lines never interleave and the in-memory order matches the file.
      const write = queue.then(async () => {
        await file.appendFile(`${JSON.stringify(entry)}\n`);
        await file.datasync();
        entries.push(entry);
      });
      queue = write.catch(() => undefined);
      return write;
    },
    list({ district, limit }) {
      const out: AuditEntry[] = [];
      for (let i = entries.length - 1; i >= 0 && out.length < limit; i--) {
        const e = entries[i]!;
        if (!district || e.district === district) out.push(e);
      }
      return out;
    },
    async close() {
      await queue;
      await file.close();
    },
  };
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
