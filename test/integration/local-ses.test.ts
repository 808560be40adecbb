import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSes, type LocalSes } from '../../local/ses.js';

let ses: LocalSes;
beforeAll(async () => void (ses = await startLocalSes()));
afterAll(() => ses?.stop());

describe('Local runtime: SES emulator', () => {
  it('takes a real SES v2 SendEmail (configuration set, tags, headers) and keeps it for the viewer and the tests', async () => {
    // Prepare
    const to = `ses-test-${Date.now()}@acme.example`;
    // Act
    const out = await ses.client.send(
      new SendEmailCommand({
        FromEmailAddress: '"Acme" <hello@acme.example>',
        Destination: { ToAddresses: [to] },
        ConfigurationSetName: 'funnel-local',
        EmailTags: [{ Name: 'site', Value: 'demo' }],
        Content: {
          Simple: {
            Subject: { Data: 'Your ebook' },
            Body: { Html: { Data: '<p>Hi</p>' }, Text: { Data: 'Hi' } },
            Headers: [
              { Name: 'List-Unsubscribe', Value: '<https://api.example/v1/unsubscribe?token=u1.a.b>' },
              { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
            ],
          },
        },
      }),
    );
    // Assess
    const stored = (await ses.emails()).filter((e) => e.destination.to.includes(to));
    expect(stored).toEqual([
      expect.objectContaining({
        messageId: out.MessageId,
        from: '"Acme" <hello@acme.example>',
        subject: 'Your ebook',
        body: { html: '<p>Hi</p>', text: 'Hi' },
        headers: [
          { name: 'List-Unsubscribe', value: '<https://api.example/v1/unsubscribe?token=u1.a.b>' },
          { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
        ],
      }),
    ]);
    const viewer = await fetch(ses.viewerUrl);
    expect(viewer.status).toBe(200);
  });

  it('says clearly when its port is taken', async () => {
    const port = Number(new URL(ses.endpoint).port);
    await expect(startLocalSes({ port })).rejects.toThrow(`Port ${port} (the SES emulator and mail viewer) is already in use`);
  });
});
