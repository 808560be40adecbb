import { PRICES } from './prices.js';

/** A month of traffic. */
export interface Usage {
  /** New leads a month. */
  leads: number;
  /** Emails per lead (the lead magnet, the sequence, a confirmation). */
  emailsPerLead: number;
  /** Page loads with a snippet (each loads the widget and its form definition). @default 50 × leads (2% convert) */
  pageViews?: number;
  /** Forms shown (impressions) a month. @default one per page view */
  impressions?: number;
  /** Tracked page views of known visitors (`POST /v1/events`). @default 3 × leads */
  trackedViews?: number;
  /** Submissions per lead (returning leads submit again). @default 1.2 */
  submissionsPerLead?: number;
  /** Share of leads that reach MQL (each qualification raises webhook deliveries). @default 0.1 */
  qualifiedShare?: number;
  /** Webhook endpoints and CRM destinations subscribed to qualifications (each has a secret and gets each delivery). @default 1 */
  webhookEndpoints?: number;
  /** Months of leads kept in the table (storage grows with them). @default 12 */
  monthsKept?: number;
  /** AWS WAF (`-c waf=true`): a web ACL with one rate-based rule before the widget and the API, the API then behind CloudFront. @default false */
  waf?: boolean;
  /** X-Ray active tracing (`-c tracing=true`). @default false */
  tracing?: boolean;
}

/**
 * What one operation costs in table capacity and function time, from the local measurements:
 * capacity from `test/integration/capture-dynamodb.test.ts` (ReturnConsumedCapacity on DynamoDB Local:
 * every submission 1 RCU for the read of its lead item, then a new lead 6 WRU in one transaction + 1 for
 * its index keys + 1 for the form's ceiling; a known lead or a claim at most the same; a page view 1 RCU +
 * 1 WCU; a re-score 1 RCU + 2 WCU) and `npm run bench` (docs/benchmarks.md: an
 * email about 3 RCU + 6 WCU with the scheduler's delete). Webhook capacity and every duration are
 * estimates (marked), to be replaced by a deployment's own figures.
 */
export const PER_OPERATION = {
  newLead: { wcu: 8, rcu: 1 },
  returningSubmission: { wcu: 8, rcu: 1 },
  rescore: { wcu: 2, rcu: 1 },
  /** A stage change is a transaction of the lead and its STAGE# item (2 items × 2 WRU). */
  stageChange: { wcu: 4, rcu: 0 },
  pageViewEvent: { wcu: 1, rcu: 1 },
  email: { wcu: 6, rcu: 3 },
  // The console's email counters: \`sent\` (1 unit) and the delivery event's, a transaction of its mark and the counter (2 × 2 units).
  emailCounters: { wcu: 5 },
  /** Estimate: the delivery, its log pointer, the attempt; the lead read for the payload. */
  webhookDelivery: { wcu: 4, rcu: 2 },
  /**
   * A form's counters (core/stats.ts): five `ADD`s of 1 WRU each per event: per impression (the widget's
   * beacon, one per page view that showed a form), per stored submission, per qualification.
   */
  formCounters: { wcu: 5, rcu: 0 },
  /** An impression's two shared ceilings (its network prefix's, its form's): one conditional `ADD` each. */
  impressionCeilings: { wcu: 2, rcu: 0 },
  /**
   * A stored submission marked counted before its counters are added (the table stream counts it once):
   * a conditional update of the submission item, under 2 KB.
   */
  submissionCountMark: { wcu: 2, rcu: 0 },
  /** The due-check drainer every minute: one Query of the current bucket at least. */
  dueCheckRun: { wcu: 0, rcu: 1 },
  /** Estimates: milliseconds per invocation at 512 MB (arm64), warm. */
  ms: { capture: 60, formDefinition: 10, impressions: 20, pageView: 30, leadActivity: 80, sendEmail: 250, deliverWebhook: 200, dueChecks: 100, mailEvent: 40 },
  /** Estimate: bytes of logs per invocation (Lambda's START/END/REPORT in JSON, one line of ours) and per API access-log line. */
  logBytesPerInvocation: 1000,
  logBytesPerAccessLine: 300,
  /** One embedded-metric line per business count. */
  logBytesPerMetric: 250,
  /**
   * Bytes CloudFront sends per page load for the widget, at most: its three files gzipped (8,238 B in
   * `npm run bench -- widget` on 7 December; a test keeps this figure above the build's). An upper bound: an inline form
   * never loads the floating modes' frames, browsers keep the modules a year and the loader five minutes,
   * so a reader's second page mostly costs nothing.
   */
  widgetBytesPerPageView: 8_300,
  /** Estimate: bytes of an API answer through CloudFront (with WAF): a form definition is about 1 KB gzipped. */
  apiBytesPerRequest: 1_000,
  /** Estimate: table bytes per lead (lead item, submissions, events, sends, stage items). */
  bytesPerLead: 10_000,
  memoryGb: 0.5,
} as const;

/** The alarms and custom metrics the stack creates (infra/stateless-stack.ts): counted as CloudWatch bills them. */
export const FIXED_RESOURCES = {
  /** Stream failures 1, dead-letter queues 3, SES reputation 2, API 5xx rate 2 metrics, 10 functions × (errors + throttles). */
  alarmMetrics: 1 + 3 + 2 + 2 + 10 * 2,
  /** The business counts (functions/core/ports/metrics.ts), one dimension each. */
  customMetrics: 13,
  dashboards: 1,
  /** The visitor-token secret, plus one per webhook endpoint. */
  baseSecrets: 1,
} as const;

export interface CostLine {
  service: string;
  /** Per-use dollars a month. */
  usage: number;
  /** Fixed dollars a month, whatever the traffic. */
  fixed: number;
  /** What drives it, for the reader. */
  basis: string;
}

const MINUTES_A_MONTH = 30 * 24 * 60;
const million = 1_000_000;

/**
 * The monthly bill, per AWS service, split into per-use and fixed costs. Pure: the CLI prints it, the
 * docs show it for 1k, 10k and 1M leads.
 * @example estimate({ leads: 10_000, emailsPerLead: 5 }).reduce((t, l) => t + l.usage + l.fixed, 0)
 */
export function estimate(usage: Usage): CostLine[] {
  const p = PRICES;
  const op = PER_OPERATION;
  const leads = usage.leads;
  const pageViews = usage.pageViews ?? 50 * leads;
  const tracked = usage.trackedViews ?? 3 * leads;
  const submissions = leads * (usage.submissionsPerLead ?? 1.2);
  const emails = leads * usage.emailsPerLead;
  const qualified = leads * (usage.qualifiedShare ?? 0.1);
  const endpoints = usage.webhookEndpoints ?? 1;
  // lead.qualified, and prospect.ready for about a third of them, to each endpoint.
  const deliveries = qualified * 1.3 * endpoints;
  const dueRuns = MINUTES_A_MONTH;
  // SES's events come back through SNS → SQS → Lambda: a delivery for every email (the console's email
  // numbers), and bounces and complaints for about 2% of them.
  const mailEvents = emails * 1.02;

  // Every page load with a form is counted as showing it once: its beacon is one more request (an upper bound).
  const impressions = usage.impressions ?? pageViews;
  // API requests: the form per page load, its impression beacon, each submission with its pre-flight, each tracked view.
  const apiRequests = pageViews + impressions + submissions * 2 + tracked;
  // The widget from CloudFront: its loader and its two modules per page load (at most: an inline form loads
  // two files, and browsers cache them).
  const widgetRequests = pageViews * 3;
  const invocations = {
    capture: submissions * 2 + pageViews + impressions + tracked,
    leadActivity: submissions + tracked + qualified,
    sendEmail: emails,
    mailEvents,
    deliverWebhooks: deliveries,
    dueChecks: dueRuns,
  };
  const invocationCount = Object.values(invocations).reduce((a, b) => a + b, 0);
  const gbSeconds =
    (op.memoryGb / 1000) *
    (submissions * 2 * op.ms.capture +
      pageViews * op.ms.formDefinition +
      impressions * op.ms.impressions +
      tracked * op.ms.pageView +
      invocations.leadActivity * op.ms.leadActivity +
      emails * op.ms.sendEmail +
      mailEvents * op.ms.mailEvent +
      deliveries * op.ms.deliverWebhook +
      dueRuns * op.ms.dueChecks);

  const wcu =
    leads * op.newLead.wcu +
    (submissions - leads) * op.returningSubmission.wcu +
    (submissions + tracked) * op.rescore.wcu +
    qualified * op.stageChange.wcu +
    tracked * op.pageViewEvent.wcu +
    emails * op.email.wcu +
    emails * op.emailCounters.wcu +
    deliveries * op.webhookDelivery.wcu +
    (impressions + submissions + qualified * 1.3) * op.formCounters.wcu +
    impressions * op.impressionCeilings.wcu +
    submissions * op.submissionCountMark.wcu;
  const rcu =
    leads * op.newLead.rcu +
    (submissions - leads) * op.returningSubmission.rcu +
    (submissions + tracked) * op.rescore.rcu +
    tracked * op.pageViewEvent.rcu +
    emails * op.email.rcu +
    deliveries * op.webhookDelivery.rcu +
    dueRuns;
  const tableGb = (leads * (usage.monthsKept ?? 12) * op.bytesPerLead) / 1e9;

  // Each queued job: send, receive, delete (batches make it fewer; this is the upper bound).
  const sqsRequests = 3 * (emails + deliveries + mailEvents) + emails * 0.1;
  const metricCounts = submissions + leads + tracked + qualified * 1.3 + emails + deliveries;
  const logGb = (invocationCount * op.logBytesPerInvocation + apiRequests * op.logBytesPerAccessLine + metricCounts * op.logBytesPerMetric) / 1e9;
  // X-Ray samples the first request each second and 5% of the rest.
  const reservoir = Math.min(invocationCount, 30 * 24 * 3600);
  const traces = reservoir + 0.05 * (invocationCount - reservoir);
  // With WAF: the header CloudFront adds to the API's requests is a secret too.
  const secrets = FIXED_RESOURCES.baseSecrets + endpoints + (usage.waf ? 1 : 0);
  // With WAF the API's requests pass through CloudFront as well.
  const cdnRequests = widgetRequests + (usage.waf ? apiRequests : 0);
  const cdnGb = (pageViews * op.widgetBytesPerPageView + (usage.waf ? apiRequests * op.apiBytesPerRequest : 0)) / 1e9;

  const lines: CostLine[] = [
    {
      service: 'Lambda',
      usage: (invocationCount / million) * p.lambda.perMillionRequests + gbSeconds * p.lambda.perGbSecondArm,
      fixed: 0,
      basis: `${fmt(invocationCount)} invocations, ${fmt(gbSeconds)} GB-s`,
    },
    {
      service: 'API Gateway (HTTP API)',
      usage: (apiRequests / million) * p.apiGateway.perMillionHttpRequests,
      fixed: 0,
      basis: `${fmt(apiRequests)} requests`,
    },
    {
      service: 'DynamoDB (on-demand)',
      usage:
        (wcu / million) * p.dynamodb.perMillionWriteUnits +
        (rcu / million) * p.dynamodb.perMillionReadUnits +
        tableGb * (p.dynamodb.perGbMonthStorage + p.dynamodb.perGbMonthPitr),
      fixed: 0,
      basis: `${fmt(wcu)} WRU, ${fmt(rcu)} RRU, ${tableGb.toFixed(2)} GB with PITR`,
    },
    { service: 'SES', usage: (emails / 1000) * p.ses.perThousandEmails, fixed: 0, basis: `${fmt(emails)} emails` },
    { service: 'SQS', usage: (sqsRequests / million) * p.sqs.perMillionRequests, fixed: 0, basis: `${fmt(sqsRequests)} requests` },
    {
      service: 'SNS',
      usage: (mailEvents / million) * p.sns.perMillionPublishes,
      fixed: 0,
      basis: `${fmt(mailEvents)} SES events (a delivery per email; bounces, complaints)`,
    },
    {
      service: 'CloudWatch',
      usage: logGb * (p.cloudWatch.perGbLogsIngested + p.cloudWatch.perGbMonthLogsStored),
      fixed:
        FIXED_RESOURCES.alarmMetrics * p.cloudWatch.perAlarmMetricMonth +
        FIXED_RESOURCES.dashboards * p.cloudWatch.perDashboardMonth +
        FIXED_RESOURCES.customMetrics * p.cloudWatch.perMetricMonth,
      basis: `${logGb.toFixed(2)} GB logs; ${FIXED_RESOURCES.alarmMetrics} alarm metrics, ${FIXED_RESOURCES.customMetrics} metrics, 1 dashboard`,
    },
    {
      service: 'Secrets Manager',
      // The extension caches each secret 5 minutes per environment: calls are a few thousand a month.
      usage: ((secrets * 12 * 24 * 30) / 10_000) * p.secretsManager.perTenThousandCalls,
      fixed: secrets * p.secretsManager.perSecretMonth,
      basis: `${secrets} secrets`,
    },
    {
      service: 'CloudFront',
      usage: (cdnRequests / 10_000) * p.cloudFront.perTenThousandHttpsRequests + cdnGb * p.cloudFront.perGbOut,
      fixed: 0,
      basis: `${fmt(cdnRequests)} requests, ${cdnGb.toFixed(2)} GB out${usage.waf ? ' (widget and API)' : ' (the widget)'}, at most`,
    },
    { service: 'S3 (widget, stream failures)', usage: 0, fixed: 0, basis: 'a few KB; CloudFront misses only; empty unless a batch fails' },
  ];
  if (usage.tracing) lines.push({ service: 'X-Ray', usage: (traces / million) * p.xRay.perMillionTracesRecorded, fixed: 0, basis: `${fmt(traces)} traces` });
  if (usage.waf)
    lines.push({
      service: 'WAF',
      usage: (cdnRequests / million) * p.waf.perMillionRequests,
      fixed: p.waf.perWebAclMonth + p.waf.perRuleMonth,
      basis: `1 web ACL, 1 rate-based rule, ${fmt(cdnRequests)} requests`,
    });
  return lines;
}

export const totals = (lines: readonly CostLine[]) => ({
  usage: lines.reduce((t, l) => t + l.usage, 0),
  fixed: lines.reduce((t, l) => t + l.fixed, 0),
});

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** The estimate as a Markdown table, dollars with two decimals (cents matter at small volumes). */
export function costTable(lines: readonly CostLine[], usage: Usage): string {
  const money = (n: number) => `$${n.toFixed(2)}`;
  const t = totals(lines);
  const rows = lines.map((l) => `| ${l.service} | ${money(l.usage)} | ${money(l.fixed)} | ${l.basis} |`);
  return [
    `Monthly estimate for ${fmt(usage.leads)} new leads, ${usage.emailsPerLead} emails each (${PRICES.region}, prices of ${PRICES.asOf}, no free tier)`,
    '',
    '| service | per use | fixed | basis |',
    '| --- | ---: | ---: | --- |',
    ...rows,
    `| **total** | **${money(t.usage)}** | **${money(t.fixed)}** | **${money(t.usage + t.fixed)} a month, $${(usage.leads ? (t.usage + t.fixed) / usage.leads : 0).toFixed(4)} per lead** |`,
  ].join('\n');
}
