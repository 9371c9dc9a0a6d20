// Prints the scrypt hash of a password for the users file: `npm run dashboard:hash-password` (reads stdin, so the password stays out of shell history).
import { hashPassword, PERSON_SCRYPT_PARAMS } from '../lib/password-hash.js';

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const password = Buffer.concat(chunks)
  .toString('utf8')
  .replace(/\r?\n$/, '');
if (password.length < 10) {
  process.stderr.write('password must be at least 10 characters (pipe it on stdin)\n');
  process.exit(1);
}
process.stdout.write(`${await hashPassword(password, PERSON_SCRYPT_PARAMS)}\n`);
