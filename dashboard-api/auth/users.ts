import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import { DISTRICT_CODES, DISTRICTS, type DistrictCode } from '../../domain/districts.js';
import type { Db } from '../../lib/db/database.js';
import type { UsersTable } from '../../lib/db/schema.js';
import { writeJsonFileAtomic } from '../../lib/json-file.js';
import { hashPassword, passwordHashProblem, PERSON_SCRYPT_PARAMS, verifyPassword } from '../../lib/password-hash.js';

export const ROLES = ['city-admin', 'city-viewer', 'district-maintainer'] as const;
export type Role = (typeof ROLES)[number];
/** City staff may change things; viewers only look. */
export const ACTORS: readonly Role[] = ['city-admin', 'district-maintainer'];
export const EVERYONE: readonly Role[] = ROLES;

/** A users-file entry (with its hash); the API's caller is the `User` below. */
export const UserRecordSchema = z
  .strictObject({
    username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, 'lower-case letters, digits, . _ - (2-32)'),
    displayName: z.string().min(1).max(60),
    role: z.enum(ROLES),
    district: z.enum(DISTRICT_CODES).optional().describe('Required for district-maintainer, absent otherwise'),
    passwordHash: z.string().superRefine((hash, ctx) => {
      const problem = passwordHashProblem(hash);
      if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (printf %s PASSWORD | npm run dashboard:hash-password)` });
    }),
  })
  .refine((u) => (u.role === 'district-maintainer') === (u.district !== undefined), {
    message: 'a district-maintainer needs a district; other roles must not have one',
    path: ['district'],
  });
export type UserRecord = z.infer<typeof UserRecordSchema>;

export const UsersFileSchema = z
  .strictObject({ version: z.literal(1), users: z.array(UserRecordSchema).min(1) })
  .refine((f) => new Set(f.users.map((u) => u.username)).size === f.users.length, { message: 'usernames must be unique', path: ['users'] });

/** What the API knows about the caller (no hash). */
export interface User {
  username: string;
  displayName: string;
  role: Role;
  district?: DistrictCode;
}

export const publicUser = ({ passwordHash: _h, ...u }: UserRecord): User => u;

export interface UserStore {
  /** Checks a password; the same work is done for unknown users so timing does not reveal who exists. */
  authenticate(username: string, password: string): Promise<User | null>;
  /** Read on every request, so a changed role or a removed user takes effect on every node at once. */
  get(username: string): Promise<User | undefined>;
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

type UserRow = Selectable<UsersTable>;
const fromRow = (r: UserRow): UserRecord =>
  ({
    username: r.username,
    displayName: r.display_name,
    role: r.role as Role,
    ...(r.district === null ? {} : { district: r.district as DistrictCode }),
    passwordHash: r.password_hash,
  }) as UserRecord;

export function userStore(db: Db): UserStore {
  const record = async (username: string): Promise<UserRecord | undefined> => {
    const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    return row && fromRow(row);
  };
  return {
    async authenticate(username, password) {
      const r = await record(username);
      const ok = await verifyPassword(password, r?.passwordHash ?? DUMMY_HASH);
      return ok && r ? publicUser(r) : null;
    },
    async get(username) {
      const r = await record(username);
      return r && publicUser(r);
    },
  };
}

/** Adds users or replaces those of the same name (password, role, district). */
export async function upsertUsers(db: Db, users: readonly UserRecord[], now: number): Promise<void> {
  for (const u of users) {
    const row = { display_name: u.displayName, role: u.role, district: u.district ?? null, password_hash: u.passwordHash };
    await db
      .insertInto('users')
      .values({ username: u.username, ...row, created_at: now })
      .onConflict((c) => c.column('username').doUpdateSet(row))
      .execute();
  }
}

export function parseUsersFile(data: unknown, source: string): UserRecord[] {
  const parsed = UsersFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new Error(`invalid users file ${source}:\n  ${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('\n  ')}`);
  }
  return parsed.data.users;
}

/** The dev accounts: an admin, a viewer and one maintainer per district (`maint-sn`, ...). */
export function devAccounts(): Array<Omit<UserRecord, 'passwordHash'>> {
  return [
    { username: 'admin', displayName: '市总工会管理员', role: 'city-admin' },
    { username: 'viewer', displayName: '市总工会值班', role: 'city-viewer' },
    ...DISTRICTS.map((d) => ({
      username: `maint-${d.code.toLowerCase()}`,
      displayName: `${d.nameZh}维护员`,
      role: 'district-maintainer' as const,
      district: d.code,
    })),
  ];
}

/** Where the plain dev passwords go: next to the users file, `*.passwords.json`. */
export const devPasswordsFile = (usersFile: string): string => usersFile.replace(/\.json$/, '') + '.passwords.json';

/**
 * When the database has no user at all (a fresh install without a users file to import), creates
 * the dev accounts with random passwords and writes the plain passwords to `passwordsFile` (mode
 * 0600) so a developer can log in. Returns that file when it did.
 */
export async function ensureDevUsers(db: Db, passwordsFile: string, now: number): Promise<string | null> {
  const any = await db.selectFrom('users').select('username').limit(1).executeTakeFirst();
  if (any) return null;
  const plain: Record<string, string> = {};
  // Hashed in parallel on libuv's thread pool: 14 scrypt hashes one after the other cost seconds of start-up on a busy machine.
  const users = await Promise.all(
    devAccounts().map(async (account) => {
      const password = randomBytes(9).toString('base64url');
      plain[account.username] = password;
      return { ...account, passwordHash: await hashPassword(password, PERSON_SCRYPT_PARAMS) } as UserRecord;
    }),
  );
  // One transaction: one commit (and one sync to disk) instead of one per user.
  await db.transaction().execute((trx) => upsertUsers(trx, users, now));
  writeJsonFileAtomic(passwordsFile, plain, { mode: 0o600 });
  return passwordsFile;
}
