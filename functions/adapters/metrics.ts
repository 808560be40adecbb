import type { MetricName, Metrics } from '../core/ports.js';

/** Counts kept in memory: the local funnel and the tests read them (`counts`). */
export class InMemoryMetrics implements Metrics {
  readonly counts: Partial<Record<MetricName, number>> = {};
  count(name: MetricName, value = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }
}

/**
 * CloudWatch embedded metric format: one JSON line on stdout per count, which CloudWatch Logs turns into
 * a metric in namespace `Funnel` with the dimension `stack` (the deployment: `Funnel-prod-Stateless`) (no API call, no client in the bundle).
 * Written to stdout directly, as Powertools does, so Lambda's JSON log format keeps the line as it is.
 * Kept by hand rather than Powertools Metrics: a dozen lines against a package in every bundle, and the
 * capture bundle's size is budgeted (docs/architecture.md).
 */
export class EmfMetrics implements Metrics {
  constructor(
    private readonly stack: string,
    private readonly write: (line: string) => void = (line) => void process.stdout.write(line),
    private readonly now: () => number = Date.now,
  ) {}

  count(name: MetricName, value = 1): void {
    const line = {
      _aws: { Timestamp: this.now(), CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE, Dimensions: [['stack']], Metrics: [{ Name: name, Unit: 'Count' }] }] },
      stack: this.stack,
      [name]: value,
    };
    this.write(`${JSON.stringify(line)}\n`);
  }
}

export const METRICS_NAMESPACE = 'Funnel';
