import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { DISTRICT_CODES, DISTRICTS, type DistrictCode } from '../../domain/districts.js';
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
  get(username: string): User | undefined;
}

const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

export function userStore(records: readonly UserRecord[]): UserStore {
  const byName = new Map(records.map((u) => [u.username, u]));
  return {
    async authenticate(username, password) {
      const record = byName.get(username);
      const ok = await verifyPassword(password, record?.passwordHash ?? DUMMY_HASH);
      return ok && record ? publicUser(record) : null;
    },
    get: (username) => {
      const r = byName.get(username);
      return r ? publicUser(r) : undefined;
    },
  };
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
    ...DISTRICTS.map((d) => ({ username: `maint-${d.code.toLowerCase()}`, displayName: `${d.nameZh}维护员`, role: 'district-maintainer' as const, district: d.code })),
  ];
}

/**
 * Loads the users file; when it is missing, writes a dev one with random passwords and puts the
 * plain passwords next to it (`*.passwords.json`, mode 0600) so a developer can log in.
 */
export async function loadOrCreateUsers(path: string): Promise<{ users: UserRecord[]; created?: { passwordsFile: string } }> {
  if (existsSync(path)) return { users: parseUsersFile(JSON.parse(readFileSync(path, 'utf8')), path) };
  const plain: Record<string, string> = {};
  const users: UserRecord[] = [];
  for (const account of devAccounts()) {
    const password = randomBytes(9).toString('base64url');
    plain[account.username] = password;
    users.push({ ...account, passwordHash: await hashPassword(password, PERSON_SCRYPT_PARAMS) });
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify({ version: 1, users }, null, 2)}\n`, { mode: 0o600 });
  const passwordsFile = path.replace(/\.json$/, '') + '.passwords.json';
  writeFileSync(passwordsFile, `${JSON.stringify(plain, null, 2)}\n`, { mode: 0o600 });
  chmodSync(passwordsFile, 0o600);
  return { users, created: { passwordsFile } };
}
