import { describe, expect, it } from 'vitest';
import { main } from '../../scripts/cost.js';
import { estimate, FIXED_RESOURCES, PER_OPERATION, totals } from '../../scripts/cost/model.js';
import { PRICES } from '../../scripts/cost/prices.js';

const line = (lines: ReturnType<typeof estimate>, service: string) => lines.find((l) => l.service.startsWith(service))!;

describe('Cost estimate (npm run cost)', () => {
  it('prices each service from the dated price file and the measured capacity per operation', () => {
    const lines = estimate({ leads: 10_000, emailsPerLead: 5, submissionsPerLead: 1, trackedViews: 0, qualifiedShare: 0, pageViews: 0 });
    expect(line(lines, 'SES').usage).toBeCloseTo((50_000 / 1000) * PRICES.ses.perThousandEmails, 6);
    // Capacity: 8 WRU per new lead, 2 WRU + 1 RRU per re-score, 6 WRU + 3 RRU per email and 5 WRU for its
    // counters (sent, and its delivery event's), 1 RRU per due-check run, 5 WRU per submission for the
    // form's counters and 2 for its count mark (the stream counts it once).
    const perSubmission = PER_OPERATION.newLead.wcu + PER_OPERATION.rescore.wcu + PER_OPERATION.formCounters.wcu + PER_OPERATION.submissionCountMark.wcu;
    const wcu = 10_000 * perSubmission + 50_000 * (PER_OPERATION.email.wcu + PER_OPERATION.emailCounters.wcu);
    expect(line(lines, 'DynamoDB').basis).toContain(`${wcu.toLocaleString('en-US')} WRU`);
  });

  it('shows fixed monthly costs (secrets, alarms, metrics, dashboard, WAF) apart from per-use costs', () => {
    const none = estimate({ leads: 0, emailsPerLead: 0, pageViews: 0, trackedViews: 0 });
    const fixed = totals(none).fixed;
    const expected =
      FIXED_RESOURCES.alarmMetrics * PRICES.cloudWatch.perAlarmMetricMonth +
      PRICES.cloudWatch.perDashboardMonth +
      FIXED_RESOURCES.customMetrics * PRICES.cloudWatch.perMetricMonth +
      2 * PRICES.secretsManager.perSecretMonth;
    expect(fixed).toBeCloseTo(expected, 6);
    // WAF: the web ACL and its rule, and the secret CloudFront sends the API.
    const waf = estimate({ leads: 0, emailsPerLead: 0, waf: true });
    expect(totals(waf).fixed - fixed).toBeCloseTo(PRICES.waf.perWebAclMonth + PRICES.waf.perRuleMonth + PRICES.secretsManager.perSecretMonth, 6);
  });

  it('prices the widget from CloudFront by its built size, and puts the API behind it with WAF', async () => {
    // The widget's bytes per page view are at least what the build ships (its three files, gzipped), three requests.
    const { buildWidget } = await import('../../widget/build.js');
    expect(PER_OPERATION.widgetBytesPerPageView).toBeGreaterThanOrEqual((await buildWidget()).gzipBytes);
    const usage = { leads: 1_000, emailsPerLead: 5, pageViews: 100_000, impressions: 0, submissionsPerLead: 1, trackedViews: 0 };
    const plain = line(estimate(usage), 'CloudFront');
    expect(plain.basis).toContain('300,000 requests');
    expect(plain.usage).toBeCloseTo(
      30 * PRICES.cloudFront.perTenThousandHttpsRequests + (100_000 * PER_OPERATION.widgetBytesPerPageView * PRICES.cloudFront.perGbOut) / 1e9,
      6,
    );
    // With WAF the API's 102,000 requests (forms, submissions and their pre-flights) pass CloudFront and the web ACL too.
    const withWaf = estimate({ ...usage, waf: true });
    expect(line(withWaf, 'CloudFront').basis).toContain('402,000 requests');
    expect(line(withWaf, 'WAF').usage).toBeCloseTo(0.402 * PRICES.waf.perMillionRequests, 6);
    // No function serves the widget any more: an API request per page view, not two.
    expect(line(estimate(usage), 'API Gateway').basis).toBe('102,000 requests');
    // Each form shown is one more request (its beacon) and seven write units: five counters, two ceilings.
    const shown = estimate({ ...usage, impressions: 100_000 });
    expect(line(shown, 'API Gateway').basis).toBe('202,000 requests');
    expect(line(shown, 'DynamoDB').usage - line(estimate(usage), 'DynamoDB').usage).toBeCloseTo((700_000 / 1e6) * PRICES.dynamodb.perMillionWriteUnits, 6);
  }, 30_000);

  it('grows per-use costs with traffic, fixed ones not', () => {
    const small = totals(estimate({ leads: 1_000, emailsPerLead: 5 }));
    const large = totals(estimate({ leads: 100_000, emailsPerLead: 5 }));
    expect(large.fixed).toBe(small.fixed);
    expect(large.usage).toBeGreaterThan(50 * small.usage);
  });

  it('prints a table per service with the total and the cost per lead; a bad flag names itself', () => {
    const out: string[] = [];
    expect(main(['--leads', '10000', '--emails-per-lead', '5', '--waf'], (s) => out.push(s))).toBe(0);
    const text = out.join('\n');
    for (const service of ['Lambda', 'API Gateway', 'DynamoDB', 'SES', 'SQS', 'SNS', 'CloudFront', 'CloudWatch', 'Secrets Manager', 'WAF'])
      expect(text).toContain(`| ${service}`);
    expect(text).toMatch(/\*\*total\*\*.*per lead/);
    expect(() => main(['--leads', 'many'])).toThrow(/--leads must be a number/);
    expect(() => main(['--emails-per-lead', '5'])).toThrow(/--leads is required/);
  });
});
