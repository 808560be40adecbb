import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamo.js';
import { main as mailCli } from '../../scripts/mail.js';
import { aSubmission } from '../support/builders.js';
import { npmStart, within } from '../support/npm-start.js';

/**
 * The local tools a person tries the funnel with: the mail viewer and the webhook inspector keep what they
 * showed across a restart (in the data folder), and `npm run mail` shows what the viewer cannot (the
 * RFC 8058 headers) and clicks one-click unsubscribe as a mail client would.
 */
describe('The mail viewer, the webhook inspector and `npm run mail`, across a restart', () => {
  it('keeps the emails and the received webhooks, and unsubscribes in one click from a listed email', { timeout: 240_000 }, async () => {
    // Prepare: a funnel on a data folder of its own, one email sent, one request to the demo receiver
    const dataDir = mkdtempSync(join(tmpdir(), 'funnel-tools-'));
    const port = await freePort();
    const env = { PORT: String(port), SES_PORT: String(await freePort()), FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: 'fnl_dev_tools_test_key_0123456789' };
    const url = `http://localhost:${port}`;
    const cli = async (...argv: string[]) => {
      const lines: string[] = [];
      const code = await mailCli(
        argv,
        (l) => lines.push(l),
        (l) => lines.push(l),
        { FUNNEL_DATA_DIR: dataDir },
      );
      return { code, text: lines.join('\n') };
    };
    const first = await npmStart(env);
    const email = 'tools.reader@acme.com';
    const submitted = await fetch(`${url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify(aSubmission().withEmail(email).build()),
    });
    expect(submitted.status).toBe(202);
    expect((await fetch(`${url}/demo/webhooks/crm`, { method: 'POST', body: '{"type":"forged"}' })).status).toBe(200);
    expect(await within(30_000, async () => (await cli('list', '--to', email)).text.includes(email))).toBe(true);

    // Act: a restart
    first.child.kill('SIGTERM');
    await first.exited;
    const second = await npmStart(env);

    // Assess: the email is still listed, with its headers; the forged request is still in the inspector
    const listed = await cli('list', '--to', email);
    const id = /\| (\S+) \| [^|]+ \| tools\.reader@acme\.com \|/.exec(listed.text)?.[1];
    expect(id, listed.text).toBeDefined();
    const shown = await cli('show', id!);
    expect(shown.text).toMatch(/^List-Unsubscribe: <http:\/\/localhost:\d+\/v1\/unsubscribe\?token=/m);
    expect(shown.text).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const inspector = (await (await fetch(`${url}/webhooks.json`)).json()) as { received: { type?: string }[] };
    expect(inspector.received.map((r) => r.type)).toContain('forged');
    // Act + Assess: one-click unsubscribe, as a mail client does it
    const clicked = await cli('unsubscribe', id!);
    expect(clicked.code, clicked.text).toBe(0);
    const lead = (await (
      await fetch(`${url}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${env.FUNNEL_API_KEY}` } })
    ).json()) as {
      mail: { unsubscribedAt?: string };
    };
    expect(lead.mail.unsubscribedAt).toEqual(expect.any(String));
    await expect(cli('show', 'nope')).rejects.toThrow('No email "nope" in the mail viewer');
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
