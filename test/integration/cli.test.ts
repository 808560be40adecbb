import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DynamoApiKeyStore } from '../../functions/adapters/dynamo/api-key-store.js';
import { hashApiKey } from '../../functions/use-cases/read-leads.js';
import { LOCK_FILE } from '../../local/instance.js';
import { main as apiKeyCli } from '../../scripts/api-key.js';
import { main as rescoreCli } from '../../scripts/rescore.js';
import { main as webhooksCli } from '../../scripts/webhooks.js';
import { freshTable } from '../support/dynamo.js';

/** A data folder with nothing running on it. */
const idle = () => mkdtempSync(join(tmpdir(), 'cli-idle-'));

/** A data folder whose lock says a funnel runs (a live pid: this runner's parent) at these addresses. */
function running(info: { url?: string; dynamoEndpoint?: string; tableName?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'cli-running-'));
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, command: 'npm start', startedAt: new Date().toISOString(), ...info }));
  writeFileSync(join(dir, 'dev-api-key'), 'fnl_dev_local\n');
  return dir;
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, o: (l: string) => void out.push(l), e: (l: string) => void err.push(l) };
}

/** Run a script the way `npm run` does, in its own process (for what only a process shows: env, exit, stack traces). */
const script = (name: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('Command: npm run webhooks', () => {
  it('prints its usage on no arguments (exit 1) and on --help (exit 0), and explains a list with no filter', async () => {
    const none = capture();
    expect(await webhooksCli([], none.o, none.e, { FUNNEL_DATA_DIR: idle() })).toBe(1);
    expect(none.err.join('\n')).toMatch(/^Usage: npm run webhooks -- <command>/);
    const help = capture();
    expect(await webhooksCli(['--help'], help.o, help.e, {})).toBe(0);
    expect(help.out.join('\n')).toMatch(/^Usage:/);
    const list = capture();
    expect(await webhooksCli(['list'], list.o, list.e, { FUNNEL_DATA_DIR: idle() })).toBe(1);
    expect(list.err[0]).toMatch(/^list needs --endpoint <id> \(an endpoint's log\) or --lead <leadId>/);
  });

  it('says in one line that no local funnel runs, and how to reach one', async () => {
    const dir = idle();
    const c = capture();
    expect(await webhooksCli(['list', '--endpoint', 'crm'], c.o, c.e, { FUNNEL_DATA_DIR: dir })).toBe(1);
    expect(c.err).toEqual([
      `No local funnel is running on ${dir}: start one with \`npm start\` (and FUNNEL_DATA_DIR if it uses another folder), or pass --api <url> for a deployed one.`,
    ]);
  });

  it('finds the running local funnel by its data folder, with its dev key, and names an API it cannot reach', async () => {
    // Prepare: a "running funnel" whose URL answers nothing
    const dir = running({ url: 'http://127.0.0.1:9' });
    const c = capture();
    // Act
    expect(await webhooksCli(['list', '--endpoint', 'crm'], c.o, c.e, { FUNNEL_DATA_DIR: dir })).toBe(1);
    // Assess: it went to that URL (not to port 3000), with a key, and said so in one line
    expect(c.err).toHaveLength(1);
    expect(c.err[0]).toMatch(/^Cannot reach the API at http:\/\/127\.0\.0\.1:9: .+\. Is the funnel running there\?$/);
  });

  it('never sends the local dev key to another API', async () => {
    const dir = running({ url: 'http://127.0.0.1:9' });
    const c = capture();
    expect(await webhooksCli(['list', '--endpoint', 'crm', '--api', 'https://funnel.example.com'], c.o, c.e, { FUNNEL_DATA_DIR: dir })).toBe(1);
    expect(c.err[0]).toMatch(/^No API key for https:\/\/funnel\.example\.com: pass --key/);
  });
});

describe('Command: npm run api-key', () => {
  it('prints its usage on no arguments (exit 1) and on --help (exit 0)', async () => {
    const none = capture();
    expect(await apiKeyCli([], none.o, none.e, { FUNNEL_DATA_DIR: idle() })).toBe(1);
    expect(none.err.join('\n')).toMatch(/^Usage: npm run api-key -- create --site <siteId>/);
    const help = capture();
    expect(await apiKeyCli(['--help'], help.o, help.e, {})).toBe(0);
    expect(help.out.join('\n')).toContain('Without --table: the local funnel');
  });

  it('creates a key in the running local funnel, found by its data folder, that the API then accepts', async () => {
    // Prepare
    const { endpoint, doc, tableName } = await freshTable();
    const dir = running({ url: 'http://127.0.0.1:9', dynamoEndpoint: endpoint, tableName });
    const c = capture();
    // Act
    expect(await apiKeyCli(['create', '--site', 'demo', '--name', 'Sales CRM'], c.o, c.e, { FUNNEL_DATA_DIR: dir })).toBe(0);
    // Assess
    const key = /\n {2}(fnl_\S+)/.exec(c.out.join('\n'))![1]!;
    expect(await new DynamoApiKeyStore({ client: doc, tableName }).findByHash(hashApiKey(key))).toMatchObject({ name: 'Sales CRM', siteIds: ['demo'] });
    const revoke = capture();
    expect(await apiKeyCli(['revoke', '--key', key], revoke.o, revoke.e, { FUNNEL_DATA_DIR: dir })).toBe(0);
    const again = capture();
    await expect(apiKeyCli(['revoke', '--key', 'fnl_unknown'], again.o, again.e, { FUNNEL_DATA_DIR: dir })).rejects.toThrow('No such key');
  });

  it('without an AWS region says so in one line, with no stack trace', () => {
    const result = script('api-key', ['create', '--table', 'Funnel-prod-Table', '--site', '*'], {
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'No AWS region for --table: set AWS_REGION (or an AWS_PROFILE that has one) to the region of the deployed stack. For the local funnel, leave out --table.',
    );
  });

  it('names an unknown site in one line', () => {
    const result = script('api-key', ['create', '--site', 'nope'], { FUNNEL_DATA_DIR: idle() });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('No site "nope" in test/support/config.ts. Sites: demo');
  });
});

describe('Command: npm run rescore', () => {
  it('prints its usage on no arguments instead of re-scoring everything', async () => {
    const c = capture();
    expect(await rescoreCli([], { out: c.o, err: c.e, env: { FUNNEL_DATA_DIR: idle() } })).toBe(1);
    expect(c.err.join('\n')).toMatch(/^Usage: npm run rescore -- \(--all \| --site <siteId>\.\.\.\)/);
  });
});
