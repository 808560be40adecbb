import {
  AccountSuspendedException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  SESv2Client,
  SendEmailCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesMailer, sesTagValue, untrack } from '../../functions/adapters/ses/mailer.js';
import { PermanentMailError, SenderNotReadyError, TransientMailError } from '../../functions/core/errors.js';
import type { OutgoingEmail } from '../../functions/core/ports.js';

const ses = mockClient(SESv2Client);
const mailer = new SesMailer({ client: ses as unknown as SESv2Client, configurationSetName: 'funnel-prod' });

const email: OutgoingEmail = {
  to: 'jane@acme.com',
  from: 'Acme <hello@acme.example>',
  replyTo: 'sales@acme.example',
  subject: 'Your ebook',
  html: '<p>Hi Jane</p>',
  text: 'Hi Jane',
  headers: { 'List-Unsubscribe': '<https://api.example/v1/unsubscribe?t=abc>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
  tags: { send: 'SEND#demo#ebook#delivery', site: 'demo' },
};

describe('Adapter: SesMailer', () => {
  beforeEach(() => ses.reset());

  it('sends simple content (html + text) through the configuration set, with the unsubscribe headers and tags', async () => {
    // Prepare
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
    // Act
    const result = await mailer.send(email);
    // Assess
    expect(result).toEqual({ messageId: 'msg-1' });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input).toEqual({
      FromEmailAddress: 'Acme <hello@acme.example>',
      Destination: { ToAddresses: ['jane@acme.com'] },
      ReplyToAddresses: ['sales@acme.example'],
      ConfigurationSetName: 'funnel-prod',
      Content: {
        Simple: {
          Subject: { Data: 'Your ebook', Charset: 'UTF-8' },
          Body: { Html: { Data: '<p>Hi Jane</p>', Charset: 'UTF-8' }, Text: { Data: 'Hi Jane', Charset: 'UTF-8' } },
          Headers: [
            { Name: 'List-Unsubscribe', Value: '<https://api.example/v1/unsubscribe?t=abc>' },
            { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
          ],
        },
      },
      EmailTags: [
        { Name: 'send', Value: 'SEND_demo_ebook_delivery' },
        { Name: 'site', Value: 'demo' },
      ],
    });
  });

  it('reports a sender or sandbox recipient not verified yet as not ready (held, not failed)', async () => {
    for (const failure of [
      new MessageRejected({
        message: 'Email address is not verified. The following identities failed the check in region EU-WEST-1: hello@acme.com',
        $metadata: { httpStatusCode: 400 },
      }),
      new MailFromDomainNotVerifiedException({ message: 'MAIL FROM domain not verified', $metadata: { httpStatusCode: 400 } }),
    ]) {
      ses.reset();
      ses.on(SendEmailCommand).rejects(failure);
      const error = await mailer.send(email).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SenderNotReadyError);
      expect((error as SenderNotReadyError).reason).toContain(failure.name);
    }
  });

  it('reports a rejected address as permanent (no retry will help)', async () => {
    ses.on(SendEmailCommand).rejects(new MessageRejected({ message: 'Illegal address', $metadata: { httpStatusCode: 400 } }));
    const error = await mailer.send(email).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentMailError);
    expect((error as PermanentMailError).reason).toContain('MessageRejected');
  });

  it('reports throttling, a paused account and outages as transient (retry later)', async () => {
    for (const failure of [
      new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: { httpStatusCode: 429 } }),
      new AccountSuspendedException({ message: 'suspended', $metadata: { httpStatusCode: 400 } }),
      Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }),
    ]) {
      ses.reset();
      ses.on(SendEmailCommand).rejects(failure);
      await expect(mailer.send(email)).rejects.toBeInstanceOf(TransientMailError);
    }
  });

  it('sends without a configuration set or reply-to when none is given', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-2' });
    await new SesMailer({ client: ses as unknown as SESv2Client }).send({ ...email, replyTo: undefined as never });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.ConfigurationSetName).toBeUndefined();
    expect(input.ReplyToAddresses).toBeUndefined();
  });

  it("sends a tracked email through its variant's configuration set, its confirm and unsubscribe links marked ses:no-track", async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'msg-3' });
    const tracked = new SesMailer({ client: ses as unknown as SESv2Client, configurationSetName: 'plain', trackedSets: { clicks: 'clicks-set' } });
    const unsubscribe = 'https://api.acme.com/v1/unsubscribe?token=t1&amp=x';
    await tracked.send({
      ...email,
      html: `<p><a href="https://acme.com/guide">Guide</a> <a class="u" href="${unsubscribe.replace('&', '&amp;')}">Unsubscribe</a></p>`,
      tracking: { opens: false, clicks: true },
      untrackedLinks: [unsubscribe],
    });
    await tracked.send({ ...email, tracking: { opens: true, clicks: false } });
    const [first, second] = ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
    expect(first!.ConfigurationSetName).toBe('clicks-set');
    expect(first!.Content!.Simple!.Body!.Html!.Data).toBe(
      `<p><a href="https://acme.com/guide">Guide</a> <a ses:no-track class="u" href="${unsubscribe.replace('&', '&amp;')}">Unsubscribe</a></p>`,
    );
    // Single quotes are links too; a data-href is not a link.
    expect(untrack(`<a href='${unsubscribe}'>u</a> <a data-href="${unsubscribe}">x</a>`, [unsubscribe])).toBe(
      `<a ses:no-track href='${unsubscribe}'>u</a> <a data-href="${unsubscribe}">x</a>`,
    );
    // A variant the stack made no set for goes untracked, never unsent.
    expect(second!.ConfigurationSetName).toBe('plain');
  });

  it('keeps tag values within what SES accepts', () => {
    expect(sesTagValue('SEND#demo#a b/c')).toBe('SEND_demo_a_b_c');
    expect(sesTagValue('x'.repeat(300))).toHaveLength(256);
  });
});
