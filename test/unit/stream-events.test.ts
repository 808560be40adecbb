import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { leadActivityOf } from '../../functions/adapters/dynamo/stream-events.js';
import { keys } from '../../functions/adapters/dynamo/keys.js';

/** A submission item's insert as the table stream delivers it. */
const insert = (extra: Record<string, unknown>): DynamoDBRecord => {
  const key = keys.submission('demo', 'a'.repeat(64), 'sub-1');
  const entry = { type: 'form_submitted', at: '2026-12-07T10:00:00.000Z', submissionId: 'sub-1', formId: 'ebook', formKind: 'gated-content', variant: 'a' };
  return {
    eventName: 'INSERT',
    dynamodb: {
      Keys: marshall(key) as never,
      SequenceNumber: '100',
      NewImage: marshall({ ...key, entity: 'submission', entry, answer: { status: 201, leadId: 'l-1' }, ...extra }) as never,
    },
  };
};

describe('Adapter: a stored submission as the form numbers count it (table stream)', () => {
  it('counts a countable submission, with its source and whether it made the lead', () => {
    expect(leadActivityOf(insert({ countable: true }))?.submitted).toEqual({
      submissionId: 'sub-1',
      at: '2026-12-07T10:00:00.000Z',
      newLead: true,
      source: expect.objectContaining({ formId: 'ebook', variant: 'a' }),
    });
  });

  it('counts neither the smoke test’s submissions nor one stored before the stream counted (its request did)', () => {
    expect(leadActivityOf(insert({}))?.submitted).toBeUndefined();
    expect(leadActivityOf(insert({ countable: false }))?.submitted).toBeUndefined();
    // Its emails still go: only the count is left out
    expect(leadActivityOf(insert({}))?.mailJob).toMatchObject({ type: 'submitted', submissionId: 'sub-1' });
  });
});
