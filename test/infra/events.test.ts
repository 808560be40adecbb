import { readFileSync } from 'node:fs';
import type { DynamoDBStreamEvent, SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { leadActivityOf } from '../../functions/adapters/dynamo/stream-events.js';
import { parseSesEvent } from '../../functions/adapters/ses/events.js';
import { makeDeliverWebhooksHandler } from '../../functions/handlers/deliver-webhooks.js';
import { makeDueChecksHandler } from '../../functions/handlers/due-checks.js';
import { makeLeadActivityHandler } from '../../functions/handlers/lead-activity.js';
import { makeMailEventsHandler } from '../../functions/handlers/mail-events.js';
import { makeSendEmailHandler } from '../../functions/handlers/send-email.js';
import { fakeDeps } from '../support/builders.js';
import { synthTemplates } from './helpers.js';

/** AWS's documented samples (test/fixtures/aws/README.md names each page). */
const sample = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../fixtures/aws/${name}.json`, import.meta.url), 'utf8')) as T;
const LEAD = 'a'.repeat(64);
const PK = `SITE#demo#EMAIL#${LEAD}`;

/** The documented stream record with Funnel's keys and image in place of the sample's. */
const streamRecord = (sk: string, entry?: Record<string, unknown>) => {
  const [record] = sample<DynamoDBStreamEvent>('dynamodb-stream').Records;
  return {
    ...record!,
    dynamodb: {
      ...record!.dynamodb,
      Keys: { PK: { S: PK }, SK: { S: sk } },
      NewImage: {
        PK: { S: PK },
        SK: { S: sk },
        ...(entry && { entry: { M: Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, { S: String(v) }])) } }),
      },
    },
  };
};

describe("Events, proven against AWS's documented samples", () => {
  it('the stream consumer reads the documented DynamoDB stream event, and ignores items that are not a lead’s', async () => {
    const event = sample<DynamoDBStreamEvent>('dynamodb-stream');
    for (const record of event.Records) expect(leadActivityOf(record)).toBeUndefined();
    const t = fakeDeps();
    expect(await makeLeadActivityHandler(() => t.deps)(event)).toEqual({ batchItemFailures: [] });
    // The same record shape with Funnel's keys is a submission: a mail job and a re-score.
    expect(leadActivityOf(streamRecord(`${keys.submissionPrefix}s-1`))).toMatchObject({
      ref: { siteId: 'demo', emailKey: LEAD },
      sequenceNumber: '111',
      mailJob: { type: 'submitted', submissionId: 's-1' },
      rescore: true,
    });
  });

  it('the stream filter in the template lets through every insert the consumer acts on, and only inserts', () => {
    const { stateless } = synthTemplates();
    const mapping = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping')).find((m) => m.Properties.StartingPosition)!;
    const [pattern] = mapping.Properties.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern));
    const prefixes = (pattern.dynamodb.Keys.SK.S as { prefix: string }[]).map((p) => p.prefix);
    expect(pattern.eventName).toEqual(['INSERT']);
    const passes = (sk: string) => prefixes.some((p) => sk.startsWith(p));
    const kinds = {
      submission: streamRecord('SUB#s-1'),
      pageView: streamRecord('EV#2026-12-03T08:00:00.000Z#e-1'),
      optIn: streamRecord('OPTIN#s-1'),
      stage: streamRecord('STAGE#mql', { type: 'stage_changed', at: '2026-12-03T08:00:00.000Z', from: 'lead', to: 'mql' }),
      unsubscribe: streamRecord('LOG#2026-12-03T08:00:00.000Z#unsubscribed', { type: 'unsubscribed', at: '2026-12-03T08:00:00.000Z' }),
      send: streamRecord('SEND#delivery#ebook'),
      score: streamRecord('SCORE'),
    };
    for (const [kind, record] of Object.entries(kinds)) {
      const activity = leadActivityOf(record);
      const acts = Boolean(activity && (activity.mailJob || activity.webhook || activity.rescore));
      // What the consumer acts on passes; what it would do nothing with (sends, scores) must not wake it.
      expect(passes(record.dynamodb.Keys.SK.S), kind).toBe(acts);
    }
    expect(leadActivityOf(kinds.stage)?.webhook).toEqual({ kind: 'stage', change: { at: '2026-12-03T08:00:00.000Z', from: 'lead', to: 'mql' } });
    expect(leadActivityOf(kinds.unsubscribe)?.webhook).toEqual({ kind: 'unsubscribed', at: '2026-12-03T08:00:00.000Z' });
  });

  it.each([
    ['send-email', (t: ReturnType<typeof fakeDeps>) => makeSendEmailHandler(() => t.deps)],
    ['deliver-webhooks', (t: ReturnType<typeof fakeDeps>) => makeDeliverWebhooksHandler(() => t.deps)],
  ])('%s takes the documented SQS event, and reports a body that is not its job as a failed item (for the dead-letter queue)', async (_, make) => {
    const event = sample<SQSEvent>('sqs');
    expect(await make(fakeDeps())(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '059f36b4-87a3-44ab-83d2-661975830a7d' }] });
  });

  it('mail-events takes the documented SQS event with the documented SES bounce as its body (raw delivery)', async () => {
    const event = sample<SQSEvent>('sqs');
    const bounce = sample<{ mail: { tags: Record<string, string[]> } }>('ses-bounce');
    // Without Funnel's tags (not our send) the event is ignored, not failed.
    expect(parseSesEvent(JSON.stringify(bounce))).toBeUndefined();
    const t = fakeDeps();
    expect(await makeMailEventsHandler(() => t.deps)({ Records: [{ ...event.Records[0]!, body: JSON.stringify(bounce) }] })).toEqual({ batchItemFailures: [] });
    // With the tags every Funnel email carries, it is a hard bounce of that send.
    const ours = { ...bounce, mail: { ...bounce.mail, tags: { ...bounce.mail.tags, site: ['demo'], lead: [LEAD], kind: ['delivery'], form: ['ebook'] } } };
    expect(parseSesEvent(JSON.stringify(ours))).toMatchObject({
      type: 'bounced',
      permanent: true,
      siteId: 'demo',
      emailKey: LEAD,
      detail: 'Permanent / General',
    });
  });

  it('due-checks takes the documented EventBridge scheduled event', async () => {
    const t = fakeDeps();
    expect(await makeDueChecksHandler(() => t.deps)(sample('scheduled'))).toEqual({ rescored: 0, queued: 0, failed: 0 });
  });
});
