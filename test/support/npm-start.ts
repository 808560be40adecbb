import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { isAlive, LOCK_FILE, type LocalInstance } from '../../local/instance.js';

/**
 * Run `npm start` exactly as a user does (npm, its script, Node 24 from the `node` package), and wait until
 * it prints that it is running. `npmPid` is npm's: what a process manager, an IDE's stop button or CI
 * signals; `funnelPid` the funnel's own (from its lock). `detached` gives it its own process group, as a
 * terminal does, so a test can send Ctrl-C to the whole group. Whatever it started is killed when the test
 * ends, passed or failed: a failed assertion once left a funnel and its DynamoDB Local running after CI.
 */
export async function npmStart(env: Record<string, string>, options: { detached?: boolean } = {}) {
  const child = spawn('npm', ['start'], {
    env: { ...process.env, ...env },
    stdio: 'pipe',
    detached: options.detached ?? false,
  }) as ChildProcessWithoutNullStreams;
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  let funnelPid: number | undefined;
  onTestFinished(() => {
    // Only while npm runs: once it has exited its funnel has too, and the pid may be another process's by now.
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (funnelPid !== undefined && isAlive(funnelPid)) process.kill(funnelPid, 'SIGKILL');
    child.kill('SIGKILL');
  });
  for (const deadline = Date.now() + 60_000; !out.includes('Ctrl-C stops everything'); await new Promise((r) => setTimeout(r, 100))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
  }
  const dynamo = /DynamoDB Local\s+(http:\/\/\S+)/.exec(out)?.[1] ?? '';
  const apiKey = /Dev API key\s+(\S+)/.exec(out)?.[1] ?? '';
  const lock = JSON.parse(readFileSync(join(env.FUNNEL_DATA_DIR!, LOCK_FILE), 'utf8')) as LocalInstance;
  funnelPid = lock.pid;
  return { child, npmPid: child.pid!, funnelPid: lock.pid, lock, out: () => out, exited, dynamo, apiKey };
}

/** Waits until `check` holds, at most `ms`; answers whether it did. */
export async function within(ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) if (await check()) return true;
  return check();
}
