import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSesEvent } from '../../functions/adapters/ses/events.js';

/** A recorded SES event (event publishing through SNS with raw delivery: the SQS body is the event itself). */
const fixture = (name: string) => readFileSync(new URL(`../fixtures/ses/${name}.json`, import.meta.url), 'utf8');
const LEAD = '4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e';
const sent = {
  siteId: 'demo',
  emailKey: LEAD,
  messageId: '0100017c-message-1',
  kind: 'step',
  formId: 'ebook',
  sequenceId: 'ebook-nurture',
  stepId: 'three-ideas',
};

describe('Adapter: parseSesEvent', () => {
  it('reads a hard bounce with the send it belongs to (from the tags)', () => {
    expect(parseSesEvent(fixture('bounce-permanent'))).toEqual({
      ...sent,
      type: 'bounced',
      permanent: true,
      at: '2026-11-23T10:00:05.000Z',
      detail: 'Permanent / General',
    });
  });

  it('reads a soft bounce as not permanent', () => {
    expect(parseSesEvent(fixture('bounce-transient'))).toMatchObject({ type: 'bounced', permanent: false, detail: 'Transient / MailboxFull' });
  });

  it('reads a complaint with its feedback type', () => {
    expect(parseSesEvent(fixture('complaint'))).toEqual({ ...sent, type: 'complained', at: '2026-11-23T11:00:00.000Z', detail: 'abuse' });
  });

  it('reads opens and clicks (with the link as SES reports it)', () => {
    expect(parseSesEvent(fixture('open'))).toEqual({ ...sent, type: 'opened', at: '2026-11-23T12:00:00.000Z' });
    expect(parseSesEvent(fixture('click'))).toEqual({
      ...sent,
      type: 'clicked',
      at: '2026-11-23T12:05:00.000Z',
      link: 'https://acme.example/pricing?utm_source=email&ref=x',
    });
  });

  it("reads a delivery (counted for the email's numbers)", () => {
    expect(parseSesEvent(fixture('delivery'))).toEqual({ ...sent, type: 'delivered', at: '2026-11-23T10:00:02.000Z' });
  });

  it('unwraps an SNS envelope when raw message delivery is off', () => {
    // Prepare
    const envelope = JSON.stringify({ Type: 'Notification', MessageId: 'sns-1', TopicArn: 'arn:aws:sns:us-east-1:1:t', Message: fixture('complaint') });
    // Act + Assess
    expect(parseSesEvent(envelope)).toMatchObject({ type: 'complained' });
  });

  it('ignores events Funnel does not act on, and emails Funnel did not send (no tags)', () => {
    // Prepare
    const untagged = JSON.parse(fixture('bounce-permanent'));
    delete untagged.mail.tags.site;
    const forged = JSON.parse(fixture('bounce-permanent'));
    forged.mail.tags.lead = ['../../etc'];
    // Act + Assess
    const send = { ...JSON.parse(fixture('delivery')), eventType: 'Send' };
    expect(parseSesEvent(JSON.stringify(send))).toBeUndefined();
    expect(parseSesEvent(JSON.stringify(untagged))).toBeUndefined();
    expect(parseSesEvent(JSON.stringify(forged))).toBeUndefined();
    expect(parseSesEvent(JSON.stringify({ hello: 'world' }))).toBeUndefined();
  });

  it('throws on a body that is not JSON (a poison message belongs in the dead-letter queue)', () => {
    expect(() => parseSesEvent('not json')).toThrow(SyntaxError);
  });
});
