import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { snippetFor } from '../../scripts/snippet.js';

const run = promisify(execFile);
const tsx = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/snippet.ts', ...args], { env: { ...process.env, FUNNEL_API_URL: '', ...env } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

describe('Function: snippetFor', () => {
  it('builds an async script tag with the form id and the API base, without a trailing slash', () => {
    expect(snippetFor('ebook', 'https://api.example.com/')).toBe(
      '<script async src="https://api.example.com/widget.js" data-funnel-form="ebook" data-funnel-api="https://api.example.com"></script>',
    );
  });

  it('escapes attribute values', () => {
    expect(snippetFor('a"b', 'https://x.test/"><img')).toBe(
      '<script async src="https://x.test/&quot;&gt;&lt;img/widget.js" data-funnel-form="a&quot;b" data-funnel-api="https://x.test/&quot;&gt;&lt;img"></script>',
    );
  });
});

describe('Command: npm run snippet', { timeout: 30_000 }, () => {
  it('prints the snippet for a known form, with --api or the default', async () => {
    const withApi = await tsx(['trial', '--api', 'https://api.example.com']);
    expect(withApi.code).toBe(0);
    expect(withApi.stdout.trim()).toBe(snippetFor('trial', 'https://api.example.com'));
    const byDefault = await tsx(['ebook']);
    expect(byDefault.stdout.trim()).toBe(snippetFor('ebook', 'http://localhost:3000'));
    const fromEnv = await tsx(['ebook'], { FUNNEL_API_URL: 'https://funnel.example.org' });
    expect(fromEnv.stdout.trim()).toBe(snippetFor('ebook', 'https://funnel.example.org'));
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
