import { fork, spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { projectPath } from '../../lib/paths.js';

// Child processes for the benchmarks and their CPU and memory, read from /proc (Linux).

const CLK_TCK = 100;

export interface ProcSample {
  /** CPU seconds (user + system) used so far. */
  cpuS: number;
  rssMb: number;
  peakRssMb: number;
}

export function sample(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces): utime is the 14th field, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { cpuS, rssMb: Math.round(kb('VmRSS') / 102.4) / 10, peakRssMb: Math.round(kb('VmHWM') / 102.4) / 10 };
}

/** The pid of the process whose command line contains `needle` (e.g. influxd's private data dir). */
export function pidOf(needle: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  throw new Error(`no process with ${needle} in its command line`);
}

/** Share of one core used between two samples taken `seconds` apart, in percent. */
export const cpuPercent = (a: ProcSample, b: ProcSample, seconds: number): number => Math.round(((b.cpuS - a.cpuS) / seconds) * 1000) / 10;

/** A TypeScript entry point of this project in its own node process (through tsx); `ipc` for a controlled child. */
export function startTs(script: string, env: Record<string, string>, ipc = false, logFile?: string): ChildProcess {
  const options = { env: { ...process.env, ...env } };
  // BENCH_CPU_PROF=<dir>: each process writes a V8 CPU profile there when it exits (open in Chrome DevTools).
  const execArgv = [...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []), '--import', 'tsx'];
  // A controlled child's log lines go to stderr: the benchmark's stdout is its one JSON object.
  if (ipc) return fork(projectPath(script), [], { ...options, execArgv, stdio: ['ignore', 2, 'inherit', 'ipc'] });
  // Services log JSON lines on stdout: kept in a file so the benchmark's stdout is its one JSON object.
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  return spawn(process.execPath, [...execArgv, projectPath(script)], { ...options, stdio: ['ignore', out, 'inherit'] });
}

/** Counters from a service's Prometheus /metrics, by metric name (label sets summed). */
export async function scrape(port: number, names: readonly string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const result: Record<string, number> = {};
  for (const name of names) {
    result[name] = text
      .split('\n')
      .filter((l) => l.startsWith(name) && /^[a-z_]+(\{|\s)/.test(l) && l.split(/[{\s]/)[0] === name)
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }
  return result;
}

export async function waitForPort(port: number, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listening on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function stopChild(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  // Ended already (by exit, or by a signal: then exitCode stays null).
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
