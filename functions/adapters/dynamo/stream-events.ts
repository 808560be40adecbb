import type { AttributeValue as DynamoAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { type FormSubmittedEntry, LifecycleStage } from '../../core/contracts.js';
import type { LeadRef, MailJob, SubmissionCount, WebhookTrigger } from '../../core/ports.js';
import { keys } from './keys.js';

/**
 * A table stream record as what the lead did (as `adapters/ses/events.ts` turns SES events into domain
 * events): only inserts under a lead's partition mean anything; everything else is `undefined`.
 */
export interface LeadActivity {
  ref: LeadRef;
  /** Where the stream is: a failure is reported here, and the stream is read again from it. */
  sequenceNumber: string;
  /** The emails this insert calls for: a submission's (confirmation, or delivery and enrolment), an opt-in's. */
  mailJob?: MailJob;
  /** The sales webhooks it raises: a stage reached, an unsubscribe. */
  webhook?: WebhookTrigger;
  /** It changes what the lead did (a submission, a behaviour event), so the lead is re-scored. */
  rescore: boolean;
  /** A stored submission the form's numbers count: its id, where it came from, and whether it made a new lead. */
  submitted?: SubmissionCount;
}

export function leadActivityOf(record: DynamoDBRecord): LeadActivity | undefined {
  const pk = record.dynamodb?.Keys?.PK?.S;
  const sk = record.dynamodb?.Keys?.SK?.S;
  const ref = pk ? keys.parseLeadPartition(pk) : undefined;
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  if (record.eventName !== 'INSERT' || !sk || !ref || !sequenceNumber) return undefined;
  const mailJob: MailJob | undefined = sk.startsWith(keys.submissionPrefix)
    ? { type: 'submitted', ...ref, submissionId: sk.slice(keys.submissionPrefix.length) }
    : sk.startsWith(keys.optInPrefix)
      ? { type: 'confirmed', ...ref, submissionId: sk.slice(keys.optInPrefix.length) }
      : undefined;
  const image = record.dynamodb?.NewImage as Record<string, DynamoAttributeValue> | undefined;
  const webhook = webhookTriggerOf(sk, image);
  const submitted = mailJob?.type === 'submitted' && image ? submissionCountOf(mailJob.submissionId, image) : undefined;
  return { ref, sequenceNumber, ...(mailJob && { mailJob }), ...(webhook && { webhook }), ...(submitted && { submitted }), rescore: keys.isActivity(sk) };
}

/**
 * What a submission item adds to its form's numbers: only an item marked `countable` (not the smoke test's
 * addresses, nor one written before the stream counted, whose request counted it).
 */
function submissionCountOf(submissionId: string, image: Record<string, DynamoAttributeValue>): SubmissionCount | undefined {
  const item = unmarshall(image) as { countable?: boolean; answer?: { status?: number }; entry?: FormSubmittedEntry };
  if (item.countable !== true || !item.entry?.formId || !item.entry.at) return undefined;
  return { submissionId, at: item.entry.at, newLead: item.answer?.status === 201, source: item.entry };
}

/** A stage reached (`STAGE#…`) or an unsubscribe (`LOG#<at>#unsubscribed`) raises sales webhooks; nothing else does. */
function webhookTriggerOf(sk: string, image: Record<string, DynamoAttributeValue> | undefined): WebhookTrigger | undefined {
  if (!image || !(sk.startsWith(keys.stagePrefix) || (sk.startsWith(keys.logPrefix) && sk.endsWith('#unsubscribed')))) return undefined;
  const entry = unmarshall(image).entry as { type?: string; at?: string; from?: unknown; to?: unknown } | undefined;
  if (entry?.type === 'stage_changed' && entry.at) {
    const from = LifecycleStage.safeParse(entry.from);
    const to = LifecycleStage.safeParse(entry.to);
    if (from.success && to.success) return { kind: 'stage', change: { at: entry.at, from: from.data, to: to.data } };
  }
  if (entry?.type === 'unsubscribed' && entry.at) return { kind: 'unsubscribed', at: entry.at };
  return undefined;
}
