import { describe, expect, it } from 'vitest';
import { EmfMetrics } from '../../functions/adapters/metrics.js';
import { emailKey } from '../../functions/core/email.js';
import { handleMailJob } from '../../functions/use-cases/send-mail.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { deliverWebhooks, raiseWebhooks } from '../../functions/use-cases/webhooks.js';
import { aSubmission, fakeDeps, ORIGIN } from '../support/builders.js';

describe('Metrics', () => {
  it('writes one CloudWatch embedded-metric line per count: namespace Funnel, dimension stack', () => {
    const lines: string[] = [];
    new EmfMetrics(
      'Funnel-prod-Stateless',
      (l) => lines.push(l),
      () => 1_700_000_000_000,
    ).count('Captures');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0]!)).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [{ Namespace: 'Funnel', Dimensions: [['stack']], Metrics: [{ Name: 'Captures', Unit: 'Count' }] }],
      },
      stack: 'Funnel-prod-Stateless',
      Captures: 1,
    });
  });

  it('counts captures, new leads and spam where they happen; a replay counts nothing', async () => {
    const t = fakeDeps();
    const body = aSubmission().build();
    await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
    await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
    await submitForm(t.deps, { formId: 'ebook', body: aSubmission().build(), origin: ORIGIN, clientIp: '203.0.113.7' });
    await submitForm(t.deps, { formId: 'ebook', body: { ...aSubmission().build(), hp: 'bot' }, origin: ORIGIN, clientIp: '203.0.113.9' });
    expect(t.metrics.counts).toEqual({ Captures: 2, NewLeads: 1, Spam: 1 });
  });

  it('counts emails sent, qualifications and webhook deliveries', async () => {
    const t = fakeDeps();
    const body = aSubmission().build();
    await submitForm(t.deps, { formId: 'ebook', body, origin: ORIGIN, clientIp: '203.0.113.7' });
    const ref = { siteId: 'demo', emailKey: emailKey('jane.doe@acme.com') };
    await handleMailJob(t.deps, { type: 'submitted', ...ref, submissionId: body.submissionId as string });
    await raiseWebhooks(t.deps, ref, { kind: 'stage', change: { from: 'lead', to: 'mql', at: '2026-11-22T10:00:00.000Z' } });
    await deliverWebhooks(t.deps, { ...ref, endpointId: 'crm' });
    expect(t.metrics.counts).toMatchObject({ EmailsSent: 1, MQLs: 1, WebhooksDelivered: 1 });
  });
});
