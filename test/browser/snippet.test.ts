import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../local/instance.js';
import { snippetFor } from '../../scripts/snippet.js';

const run = promisify(execFile);
/** A data folder with no funnel running on it. */
const idle = mkdtempSync(join(tmpdir(), 'snippet-idle-'));
const tsx = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/snippet.ts', ...args], {
    env: { ...process.env, FUNNEL_API_URL: '', FUNNEL_DATA_DIR: idle, ...env },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('Function: snippetFor', () => {
  it('builds an async script tag with the form id and the API base, without a trailing slash', () => {
    expect(snippetFor('ebook', 'https://api.example.com/')).toBe(
      '<script async src="https://api.example.com/widget.js" data-funnel-form="ebook" data-funnel-api="https://api.example.com"></script>',
    );
  });

  it('loads the widget from its CDN and sends to the API when they differ (a deployment: WidgetUrl and ApiUrl)', () => {
    expect(snippetFor('ebook', 'https://api.example.com', 'https://cdn.example.com/')).toBe(
      '<script async src="https://cdn.example.com/widget.js" data-funnel-form="ebook" data-funnel-api="https://api.example.com"></script>',
    );
  });

  it('escapes attribute values', () => {
    expect(snippetFor('a"b', 'https://x.test/"><img')).toBe(
      '<script async src="https://x.test/&quot;&gt;&lt;img/widget.js" data-funnel-form="a&quot;b" data-funnel-api="https://x.test/&quot;&gt;&lt;img"></script>',
    );
  });
});

// Each call starts a Node process with tsx: seconds apiece on a loaded two-core machine (a CI run beside another took over 30 s for five).
describe('Command: npm run snippet', { timeout: 120_000 }, () => {
  it('prints the snippet for a known form, with --api, FUNNEL_API_URL or the running local funnel', async () => {
    const withApi = await tsx(['trial', '--api', 'https://api.example.com']);
    expect(withApi.code).toBe(0);
    expect(withApi.stdout.trim()).toBe(snippetFor('trial', 'https://api.example.com'));
    // A funnel running on PORT=3100 (its lock names a live process: this test's runner).
    const running = mkdtempSync(join(tmpdir(), 'snippet-running-'));
    writeFileSync(
      join(running, LOCK_FILE),
      JSON.stringify({ pid: process.pid, command: 'npm start', startedAt: new Date().toISOString(), url: 'http://localhost:3100' }),
    );
    const byDefault = await tsx(['ebook'], { FUNNEL_DATA_DIR: running });
    expect(byDefault.stdout.trim()).toBe(snippetFor('ebook', 'http://localhost:3100'));
    // Nothing running and no --api: one line saying what to do, exit 1.
    const nothing = await tsx(['ebook']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr.trim()).toBe(
      `No local funnel is running on ${idle}: start one with \`npm start\` (and FUNNEL_DATA_DIR if it uses another folder), or pass --api <url> for a deployed one.`,
    );
    const fromEnv = await tsx(['ebook'], { FUNNEL_API_URL: 'https://funnel.example.org' });
    expect(fromEnv.stdout.trim()).toBe(snippetFor('ebook', 'https://funnel.example.org'));
    // The widget from its CDN: --widget, or FUNNEL_WIDGET_URL.
    const cdn = await tsx(['ebook', '--api', 'https://api.example.com', '--widget', 'https://cdn.example.com']);
    expect(cdn.stdout.trim()).toBe(snippetFor('ebook', 'https://api.example.com', 'https://cdn.example.com'));
    const cdnEnv = await tsx(['--track-only', '--api', 'https://api.example.com'], { FUNNEL_WIDGET_URL: 'https://cdn.example.com' });
    expect(cdnEnv.stdout.trim()).toBe('<script async src="https://cdn.example.com/widget.js" data-funnel-api="https://api.example.com"></script>');
    const bad = await tsx(['ebook', '--api', 'https://api.example.com', '--widget', 'cdn.example.com']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--widget must be an http(s) URL');
  });

  it('prints its usage on no arguments (exit 1) and on --help (exit 0)', async () => {
    const none = await tsx([]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^Usage: npm run snippet -- <formId>/);
    const help = await tsx(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run snippet -- <formId>/);
  });

  it('exits 1 on an unknown form id and lists the known ones', async () => {
    const result = await tsx(['nope']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Unknown form "nope"');
    expect(result.stderr).toContain('ebook');
    expect(result.stderr).toContain('trial');
  });
});
