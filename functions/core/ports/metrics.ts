/**
 * Business metrics, counted where they happen: what the dashboard shows (captures → leads → MQL → SQL,
 * emails, deliveries) and what the alarms watch. On Lambda each count is one CloudWatch embedded-metric
 * line (namespace `Funnel`, dimension `stack`); locally and in tests they are kept in memory.
 */
export const METRIC_NAMES = [
  /** A submission stored (new lead or known lead updated), not a replay. */
  'Captures',
  /** A submission that created a lead. */
  'NewLeads',
  /** A submission held as spam (honeypot, too fast). */
  'Spam',
  /** A page view recorded for a known visitor. */
  'PageViews',
  /** A lead that reached MQL, and SQL. */
  'MQLs',
  'SQLs',
  /** Emails handed to SES; refused for good; held because the sender is not verified yet; not sent over a mailbox or domain cap; addresses suppressed (bounce, complaint). */
  'EmailsSent',
  'EmailsFailed',
  'EmailsHeld',
  'EmailsCapped',
  'EmailsSuppressed',
  /** Webhook deliveries the receiver accepted; those dead-lettered. */
  'WebhooksDelivered',
  'WebhooksDeadLettered',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface Metrics {
  count(name: MetricName, value?: number): void;
}
