import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../scripts/email-preview.js';
import { testConfig } from '../support/builders.js';

const run = (argv: string[], config = testConfig()) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, config, (s) => out.push(s), (s) => err.push(s));
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
    const { out } = run(['ebook'], testConfig((c) => void (c.sites[0]!.forms[0]!.doubleOptIn = true)));
    expect(out.indexOf('=== ebook / confirmation')).toBe(0);
    expect(out).toContain('Please confirm your email address');
  });

  it('writes one escaped HTML file per email with --out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'preview-'));
    try {
      expect(run(['trial', '--email', 'invite-team', '--out', dir]).code).toBe(0);
      const html = readFileSync(join(dir, 'trial-invite-team.html'), 'utf8');
      expect(html).toContain('Acme &amp; Co'); // sample company, escaped in HTML
      expect(html).toMatch(/<a href="https:\/\/api\.example\.com\/v1\/unsubscribe\?t=sample"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 naming the valid forms or emails', () => {
    expect(run(['webinar'])).toMatchObject({ code: 1, err: expect.stringContaining('Forms that send email: ebook, trial') });
    expect(run(['ebook', '--email', 'nope'])).toMatchObject({ code: 1, err: expect.stringContaining('Its emails: delivery, three-ideas, case-study, walkthrough') });
  });
});
