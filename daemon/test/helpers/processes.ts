import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Test } from 'tap';

export const repoRoot = new URL('../../../', import.meta.url).pathname;
export const cliPath = join(repoRoot, 'daemon/bin/solo-unicorn.mjs');
export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** A child process whose JSON log lines (pino) and text lines can be awaited. */
export interface Proc {
  child: ChildProcess;
  lines: string[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first line (past or future) matching. */
  waitForLine(match: RegExp | ((line: any) => boolean), what?: string): Promise<any>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startProc(t: Test, cmd: string, args: string[], env: Record<string, string | undefined>): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const stderr: string[] = [];
  const waiters: { test: (line: string) => boolean; resolve: (v: any) => void; reject: (e: Error) => void; what: string }[] = [];
  const parse = (line: string) => {
    try {
      return JSON.parse(line);
    } catch {
      return line;
    }
  };
  const toTest = (m: RegExp | ((line: any) => boolean)) => (line: string) => (m instanceof RegExp ? m.test(line) : Boolean(m(parse(line))));
  const feed = (line: string) => {
    lines.push(line);
    if (process.env.SU_TEST_VERBOSE) process.stderr.write(`[${args.join(' ').slice(-30)}] ${line}\n`);
    for (const w of [...waiters]) if (w.test(line)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(parse(line));
    }
  };
  createInterface({ input: child.stdout! }).on('line', feed);
  createInterface({ input: child.stderr! }).on('line', (l) => {
    stderr.push(l);
    feed(l);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => setImmediate(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`process exited before ${w.what}; last lines:\n${lines.slice(-8).join('\n')}`));
  }));
  const proc: Proc = {
    child, lines, stderr, exited,
    waitForLine(match, what = String(match)) {
      const test = toTest(match);
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(parse(seen));
      if (child.exitCode !== null || child.signalCode !== null) return Promise.reject(new Error(`process already exited before ${what}`));
      return new Promise((resolve, reject) => waiters.push({ test, resolve, reject, what }));
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  t.teardown(() => proc.kill('SIGKILL'));
  return proc;
}

/** `solo-unicorn …` run to completion. */
export async function runCli(args: string[], env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // 'close', not 'exit': the process can exit before its pipes are drained (seen under load).
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

export function startDaemon(t: Test, home: string, env: Record<string, string | undefined> = {}) {
  return startProc(t, process.execPath, [cliPath, 'daemon', '--foreground'], { SU_HOME: home, LOG_LEVEL: 'debug', ...env });
}

/** The fixture that emits agent events through the daemon's own outbox and session modules. */
export function startEmitter(t: Test, home: string, a: { attemptId: string; missionId: string; leaseVersion: number }, count: number, mode: 'live' | 'offline', env: Record<string, string | undefined> = {}) {
  return startProc(t, process.execPath, ['--import', 'tsx', join(repoRoot, 'daemon/test/fixtures/emit-events.ts'), JSON.stringify(a), String(count), mode], { SU_HOME: home, LOG_LEVEL: 'info', ...env });
}

export const isMsg = (msg: string) => (l: any) => typeof l === 'object' && l?.msg === msg;
