import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import rawConfig from '../support/config.js';
import { LOCK_FILE } from '../../local/instance.js';
import { main } from '../../scripts/email-preview.js';
import { testConfig } from '../support/builders.js';

const run = (argv: string[], config: unknown = testConfig(), dataDir = mkdtempSync(join(tmpdir(), 'preview-data-'))) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(
    argv,
    config,
    (s) => out.push(s),
    (s) => err.push(s),
    dataDir,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('Command: email preview (npm run email:preview)', () => {
  it("renders every email of a form with sample data, the form's own values and the footer", () => {
    const { code, out } = run(['ebook']);
    expect(code).toBe(0);
    expect(out.match(/^=== ebook \/ /gm)).toHaveLength(4); // delivery + three steps
    expect(out).toContain('Subject: Your copy of The Serverless Funnel Playbook');
    expect(out).toContain('Hi Jane,');
    expect(out).toContain('http://localhost:3000/demo/assets/serverless-funnel-playbook.pdf');
    expect(out).toContain('Acme Inc., 548 Market St');
    expect(out).toMatch(/Unsubscribe: https:\/\//);
  });

  it('renders the confirmation email first on a double opt-in form', () => {
    const { out } = run(
      ['ebook'],
      testConfig((c) => void (c.sites[0]!.forms[0]!.doubleOptIn = true)),
    );
    expect(out.indexOf('=== ebook / confirmation')).toBe(0);
    expect(out).toContain('Please confirm your email address');
  });

  it('writes one escaped HTML file per email with --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'preview-'));
    try {
      expect(run(['trial', '--email', 'invite-team', '--out', dir]).code).toBe(0);
      const html = readFileSync(join(dir, 'trial-invite-team.html'), 'utf8');
      expect(html).toContain('Acme &amp; Co'); // sample company, escaped in HTML
      // The same query parameter as real mails, in a page a browser reads as UTF-8 when opened from disk.
      expect(html).toMatch(/<a href="https:\/\/api\.example\.com\/v1\/unsubscribe\?token=sample"/);
      expect(html).toMatch(/^<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">/);
      expect(html).toContain('<title>Dashboards are better shared</title>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes into the git-ignored data folder when --out names no folder, and prints its usage on no arguments', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'preview-data-'));
    try {
      expect(run(['ebook', '--email', 'delivery', '--out'], testConfig(), dataDir).code).toBe(0);
      expect(readFileSync(join(dataDir, 'email-previews', 'ebook-delivery.html'), 'utf8')).toContain('<meta charset="utf-8">');
      const none = run([]);
      expect(none.code).toBe(1);
      expect(none.err).toMatch(/^Usage: npm run email:preview -- <formId>/);
      expect(run(['--help']).out).toMatch(/^Usage:/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('follows the URL of the running local funnel in the links it previews', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'preview-data-'));
    writeFileSync(
      join(dataDir, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, command: 'npm start', startedAt: new Date().toISOString(), url: 'http://localhost:3100' }),
    );
    try {
      const { out } = run(['ebook', '--email', 'delivery'], rawConfig, dataDir);
      expect(out).toContain('http://localhost:3100/demo/assets/serverless-funnel-playbook.pdf');
      expect(out).not.toContain('localhost:3000');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 1 naming the valid forms or emails', () => {
    expect(run(['webinar'])).toMatchObject({ code: 1, err: expect.stringContaining('Forms that send email: ebook, trial') });
    expect(run(['ebook', '--email', 'nope'])).toMatchObject({
      code: 1,
      err: expect.stringContaining('Its emails: delivery, three-ideas, case-study, walkthrough'),
    });
  });
});
