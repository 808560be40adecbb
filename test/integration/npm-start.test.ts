import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { npmStart, within } from '../support/npm-start.js';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamo.js';
import { isAlive, LOCK_FILE } from '../../local/instance.js';
import { aSubmission } from '../support/builders.js';

const portOpen = (url: string) =>
  new Promise<boolean>((ok) => {
    const { hostname, port } = new URL(url);
    const socket = connect(Number(port), hostname);
    socket.on('connect', () => {
      socket.destroy();
      ok(true);
    });
    socket.on('error', () => ok(false));
  });

/** Every address something listens on at this TCP port (Linux: /proc/net/tcp and tcp6), in their hex form. */
function listenAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[3] === '0A' && cols[1]?.endsWith(`:${hexPort}`))
      .map((cols) => cols[1]!.split(':')[0]!),
  );
}
// 127.0.0.1 in /proc/net/tcp, ::ffff:127.0.0.1 and ::1 in /proc/net/tcp6.
const LOOPBACK = new Set(['0100007F', '0000000000000000FFFF00000100007F', '00000000000000000000000001000000']);

/** Everything `npm start` started is gone: npm, the funnel, its port, its DynamoDB Local, its lock. */
async function expectAllGone(run: Awaited<ReturnType<typeof npmStart>>, url: string, dataDir: string) {
  expect(await within(5_000, () => !isAlive(run.funnelPid) && !isAlive(run.npmPid))).toBe(true);
  expect(await within(5_000, async () => !(await portOpen(run.dynamo)))).toBe(true);
  expect(await portOpen(url)).toBe(false);
  return existsSync(join(dataDir, LOCK_FILE));
}

describe('npm start', () => {
  it('runs on any PORT with every link following it, keeps data between runs, refuses a second funnel on its data folder, and stops on SIGINT or SIGTERM to npm', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'funnel-start-'));
    const port = await freePort();
    const env = { PORT: String(port), SES_PORT: String(await freePort()), FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: '' };
    const url = `http://localhost:${port}`;

    const first = await npmStart(env);
    expect(first.out()).toContain(`${url}/demo`);
    expect(first.apiKey).toMatch(/^fnl_dev_/);
    expect(first.lock).toMatchObject({ pid: first.funnelPid, command: 'npm start', url, dynamoEndpoint: first.dynamo });
    expect((await fetch(`${url}/health`)).status).toBe(200);
    const res = await fetch(`${url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify(aSubmission().withEmail('kept@acme.com').build()),
    });
    expect(res.status).toBe(202);
    const { next } = await res.json();
    const found = await fetch(`${url}/v1/leads?email=kept%40acme.com`, { headers: { authorization: `Bearer ${first.apiKey}` } });
    const { leadId } = await found.json();
    expect(next.url).toBe(`${url}/demo/assets/serverless-funnel-playbook.pdf`);
    // DynamoDB Local listens on loopback only.
    const dynamoPort = Number(new URL(first.dynamo).port);
    expect(listenAddresses(dynamoPort).length).toBeGreaterThan(0);
    for (const address of listenAddresses(dynamoPort)) expect(LOOPBACK.has(address)).toBe(true);

    // A second funnel on the same data folder (another port) is refused, naming the first.
    const second = spawn('npm', ['start'], { env: { ...process.env, ...env, PORT: String(await freePort()), SES_PORT: String(await freePort()) } });
    let refused = '';
    second.stderr.on('data', (d) => (refused += d));
    expect(await new Promise((ok) => second.on('exit', ok))).toBe(1);
    expect(refused).toContain(`The data folder ${dataDir} is in use by npm start (pid ${first.funnelPid}, ${url}`);
    expect((await fetch(`${url}/health`)).status).toBe(200);

    process.kill(first.npmPid, 'SIGINT');
    expect(await expectAllGone(first, url, dataDir)).toBe(false);

    const again = await npmStart(env);
    expect(again.apiKey).toBe(first.apiKey);
    const read = await fetch(`${url}/v1/leads/${leadId}`, { headers: { authorization: `Bearer ${again.apiKey}` } });
    expect(read.status).toBe(200);
    process.kill(again.npmPid, 'SIGTERM');
    expect(await expectAllGone(again, url, dataDir)).toBe(false);
  }, 180_000);

  it('stops when npm is killed (SIGKILL), and its DynamoDB Local stops when the funnel itself is killed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'funnel-start-'));
    const port = await freePort();
    const env = { PORT: String(port), SES_PORT: String(await freePort()), FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: '' };
    const url = `http://localhost:${port}`;

    // npm dies without a word: the funnel sees its parent gone and stops in order (its lock released).
    const orphaned = await npmStart(env);
    process.kill(orphaned.npmPid, 'SIGKILL');
    expect(await expectAllGone(orphaned, url, dataDir)).toBe(false);

    // The funnel dies without a word: its DynamoDB Local goes too; the lock it leaves is stale. On a port of
    // its own: the one just freed may already be another test's (a CI run caught that race).
    const again = await freePort();
    const killed = await npmStart({ ...env, PORT: String(again) });
    process.kill(killed.funnelPid, 'SIGKILL');
    expect(await expectAllGone(killed, `http://localhost:${again}`, dataDir)).toBe(true);
  }, 180_000);

  it('refuses a bad PORT with a clear message and exit code 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], { env: { ...process.env, PORT: 'abc' } });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((ok) => child.on('exit', ok));
    expect(code).toBe(1);
    expect(err).toContain('PORT must be a port number');
  });
});
