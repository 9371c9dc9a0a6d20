// Production credentials for the broker: creates and rotates accounts, stores only scrypt hashes, and prints each
// new password once (JSON on stdout: username → password) for provisioning the device or service.
// Usage: npm run credentials -- generate | rotate <username...> | remove <username...> | list   [--accounts FILE] [--registry FILE]
// A running broker picks up changes on SIGHUP.
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { isServiceAccount } from '../domain/accounts.js';
import { DEFAULT_ACCOUNTS_FILE, loadAccountsFile, newAccount, requiredUsernames, writeAccountsFile, type AccountsFile } from '../broker/credentials.js';
import { STATION_ID_PATTERN } from '../domain/station.js';
import { DEFAULT_REGISTRY_FILE, loadRegistryFile } from '../lib/registry-file.js';

const program = new Command('credentials')
  .description('Manage MQTT broker accounts (salted scrypt hashes in the accounts file)')
  .option('--accounts <file>', 'accounts file', process.env.BROKER_ACCOUNTS_FILE ?? DEFAULT_ACCOUNTS_FILE);

const accountsPath = (): string => program.opts<{ accounts: string }>().accounts;
const readAccounts = (): AccountsFile => (existsSync(accountsPath()) ? loadAccountsFile(accountsPath()) : { version: 1, accounts: {} });

/** Creates or replaces the given accounts, saves the hashes, then prints the passwords — the only time they exist. */
async function issue(file: AccountsFile, usernames: readonly string[]): Promise<void> {
  const passwords: Record<string, string> = {};
  for (const [username, { password, account }] of await Promise.all(usernames.map(async (u) => [u, await newAccount(u)] as const))) {
    file.accounts[username] = account;
    passwords[username] = password;
  }
  writeAccountsFile(accountsPath(), file);
  process.stdout.write(`${JSON.stringify(passwords, null, 2)}\n`);
  process.stderr.write(
    `${usernames.length} account(s) written to ${accountsPath()}; the passwords above are not stored anywhere. Send SIGHUP to a running broker.\n`,
  );
}

program
  .command('generate')
  .description('create an account for every registry station and service account that has none')
  .option('--registry <file>', 'station registry', process.env.REGISTRY_FILE ?? DEFAULT_REGISTRY_FILE)
  .action(async (opts: { registry: string }) => {
    const file = readAccounts();
    const missing = requiredUsernames(loadRegistryFile(opts.registry)).filter((u) => !file.accounts[u]);
    if (missing.length === 0) return void process.stderr.write('every station and service already has an account\n');
    await issue(file, missing);
  });

program
  .command('rotate')
  .description('give existing accounts new passwords (the old ones stop working once the broker reloads)')
  .argument('<usernames...>')
  .action(async (usernames: string[]) => {
    const file = readAccounts();
    const unknown = usernames.filter((u) => !file.accounts[u]);
    if (unknown.length > 0) program.error(`no such account: ${unknown.join(', ')}`);
    await issue(file, usernames);
  });

program
  .command('add')
  .description('create accounts for station ids or service accounts (e.g. a station added to a custom registry)')
  .argument('<usernames...>')
  .action(async (usernames: string[]) => {
    const file = readAccounts();
    const bad = usernames.filter((u) => !STATION_ID_PATTERN.test(u) && !isServiceAccount(u));
    if (bad.length > 0) program.error(`not a station id or service account: ${bad.join(', ')}`);
    const existing = usernames.filter((u) => file.accounts[u]);
    if (existing.length > 0) program.error(`already exists (use rotate): ${existing.join(', ')}`);
    await issue(file, usernames);
  });

program
  .command('remove')
  .description('delete accounts (e.g. a decommissioned station)')
  .argument('<usernames...>')
  .action((usernames: string[]) => {
    const file = readAccounts();
    for (const u of usernames) delete file.accounts[u];
    writeAccountsFile(accountsPath(), file);
    process.stderr.write(`removed ${usernames.length} account(s) from ${accountsPath()}\n`);
  });

program
  .command('list')
  .description('print username, role and last change of every account (never a secret)')
  .action(() => {
    for (const [username, a] of Object.entries(readAccounts().accounts)) process.stdout.write(`${username}\t${a.role}\t${a.updatedAt}\n`);
  });

await program.parseAsync().catch((err: Error) => program.error(err.message));
