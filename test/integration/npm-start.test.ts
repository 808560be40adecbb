import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamo.js';
import { aSubmission } from '../support/builders.js';

/** Run `npm start`'s script as a user would, and wait until it prints that it is running. */
async function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], { env: { ...process.env, ...env }, stdio: 'pipe' }) as ChildProcessWithoutNullStreams;
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const dynamo = /DynamoDB Local\s+(http:\/\/\S+)/.exec(out)?.[1] ?? '';
  const apiKey = /Dev API key\s+(\S+)/.exec(out)?.[1] ?? '';
  return { child, out: () => out, exited, dynamo, apiKey };
}

const portOpen = (url: string) =>
  new Promise<boolean>((ok) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.on('connect', () => (socket.destroy(), ok(true)));
    socket.on('error', () => ok(false));
  });

describe('npm start', () => {
  it('prints its URLs, keeps data between runs, and stops every child process on Ctrl-C', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'funnel-start-'));
    const port = await freePort();
    const env = { PORT: String(port), FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: '' };
    const url = `http://localhost:${port}`;

    const first = await start(env);
    expect(first.out()).toContain(`${url}/demo`);
    expect(first.apiKey).toMatch(/^fnl_dev_/);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const res = await fetch(`${url}/v1/forms/ebook/submissions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify(aSubmission().withEmail('kept@acme.com').build()) });
    const { leadId } = await res.json();
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(await portOpen(first.dynamo)).toBe(false);

    const second = await start(env);
    expect(second.apiKey).toBe(first.apiKey);
    const read = await fetch(`${url}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${second.apiKey}` } });
    expect(read.status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(await portOpen(second.dynamo)).toBe(false);
  }, 120_000);

  it('refuses a bad PORT with a clear message and exit code 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], { env: { ...process.env, PORT: 'abc' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((ok) => child.on('exit', ok));
    expect(code).toBe(1);
    expect(err).toContain('PORT must be a port number');
  });
});
