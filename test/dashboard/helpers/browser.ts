import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectPath } from '../../../lib/paths.js';
import { PASSWORD } from './dashboard-harness.js';

// What the browser tests share: the built web app, headless Chromium, logging in, artifacts.

export const ARTIFACTS = projectPath('test-artifacts/dashboard');

const newest = (dir: string): number =>
  Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));

/**
 * The built web app to serve: dist/dashboard-web when it is newer than its sources (the web app
 * and the domain modules it imports), else a fresh build in a temporary directory, so a test
 * never passes or fails on a stale bundle, and test files running at once never rewrite the
 * directory another one serves.
 */
export function builtWebApp(): { dir: string; remove(): void } {
  const dist = projectPath('dist/dashboard-web');
  const index = join(dist, 'index.html');
  const sources = Math.max(newest(projectPath('dashboard-api/web')), newest(projectPath('domain')));
  if (existsSync(index) && statSync(index).mtimeMs > sources) return { dir: dist, remove: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'dashboard-web-'));
  execFileSync('npx', ['vite', 'build', '--config', 'dashboard-api/web/vite.config.ts', '--outDir', dir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: projectPath(),
    stdio: 'inherit',
  });
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // launch() gives every run a fresh temporary profile (it refuses --user-data-dir).
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Uncaught errors and unhandled promise rejections of the page, to assert there were none. */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

export async function loginAs(page: Page, baseUrl: string, username: string): Promise<void> {
  await page.goto(baseUrl);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#district-tiles .tile');
}
