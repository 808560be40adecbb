import type { LeadRef, WebhookAttempt, WebhookDelivery, WebhookJob, WebhookOutcome, WebhookQueue, WebhookSecrets, WebhookStore, WebhookTransport } from '../core/ports.js';
import type { InMemoryDueChecks } from './memory.js';

/** Webhook deliveries in memory, with the same behaviour as the DynamoDB store (see `dynamo/webhook-store.ts`). */
export class InMemoryWebhookStore implements WebhookStore {
  readonly deliveries = new Map<string, WebhookDelivery>();
  readonly disabled = new Map<string, string>();
  constructor(readonly due: InMemoryDueChecks) {}

  async create(deliveries: readonly Omit<WebhookDelivery, 'attempts' | 'status'>[]): Promise<void> {
    for (const d of deliveries) if (!this.deliveries.has(d.deliveryId)) this.deliveries.set(d.deliveryId, structuredClone({ ...d, status: 'pending', attempts: [] }));
  }
  async pending(ref: LeadRef, endpointId: string): Promise<WebhookDelivery[]> {
    return (await this.forLead(ref)).filter((d) => d.endpointId === endpointId && d.status === 'pending');
  }
  async recordAttempt(delivery: WebhookDelivery, attempt: WebhookAttempt, next: { status: WebhookDelivery['status']; nextAttemptAt?: string }): Promise<boolean> {
    const stored = this.deliveries.get(delivery.deliveryId);
    if (!stored || stored.attempts.length !== delivery.attempts.length) return false;
    stored.attempts.push(structuredClone(attempt));
    stored.status = next.status;
    if (next.nextAttemptAt) stored.nextAttemptAt = next.nextAttemptAt;
    else delete stored.nextAttemptAt;
    return true;
  }
  async scheduleRetry(ref: LeadRef, endpointId: string, at: string): Promise<void> {
    this.due.add({ ...ref, at, endpointId });
  }
  async find(deliveryId: string): Promise<WebhookDelivery | undefined> {
    const d = this.deliveries.get(deliveryId);
    return d && structuredClone(d);
  }
  async forLead(ref: LeadRef): Promise<WebhookDelivery[]> {
    return [...this.deliveries.values()]
      .filter((d) => d.siteId === ref.siteId && d.emailKey === ref.emailKey)
      .sort((a, b) => `${a.endpointId}#${a.eventAt}#${a.type}`.localeCompare(`${b.endpointId}#${b.eventAt}#${b.type}`))
      .map((d) => structuredClone(d));
  }
  async forEndpoint(siteId: string, endpointId: string, options: { limit: number }): Promise<WebhookDelivery[]> {
    return [...this.deliveries.values()]
      .filter((d) => d.siteId === siteId && d.endpointId === endpointId)
      .sort((a, b) => `${b.eventAt}#${b.deliveryId}`.localeCompare(`${a.eventAt}#${a.deliveryId}`))
      .slice(0, options.limit)
      .map((d) => structuredClone(d));
  }
  async reopen(delivery: WebhookDelivery, at: string): Promise<void> {
    const stored = this.deliveries.get(delivery.deliveryId);
    if (!stored) throw new Error(`no delivery ${delivery.deliveryId}`);
    stored.status = 'pending';
    stored.nextAttemptAt = at;
  }
  async disabledAt(siteId: string, endpointId: string): Promise<string | undefined> {
    return this.disabled.get(`${siteId}#${endpointId}`);
  }
  async setDisabled(siteId: string, endpointId: string, at: string | undefined): Promise<void> {
    if (at) this.disabled.set(`${siteId}#${endpointId}`, at);
    else this.disabled.delete(`${siteId}#${endpointId}`);
  }
}

/** A webhook queue that only collects jobs (with their delay) and dead letters; tests run the sender themselves. */
export class InMemoryWebhookQueue implements WebhookQueue {
  readonly jobs: (WebhookJob & { delaySeconds: number })[] = [];
  readonly deadLetters: { deliveryId: string; siteId: string; endpointId: string; type: string; reason: string }[] = [];
  async enqueue(jobs: readonly WebhookJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    for (const job of jobs) this.jobs.push({ ...job, delaySeconds: options.delaySeconds ?? 0 });
  }
  async deadLetter(notice: { deliveryId: string; siteId: string; endpointId: string; type: string; reason: string }): Promise<void> {
    this.deadLetters.push(notice);
  }
  take(): WebhookJob[] {
    return this.jobs.splice(0).map(({ delaySeconds: _, ...job }) => job);
  }
}

/** Fixed secrets per `site/endpoint`, or one for all. */
export class StaticWebhookSecrets implements WebhookSecrets {
  constructor(private readonly secrets: Record<string, string> | string) {}
  async secretOf(siteId: string, endpointId: string): Promise<string> {
    const secret = typeof this.secrets === 'string' ? this.secrets : this.secrets[`${siteId}/${endpointId}`];
    if (!secret) throw new Error(`no webhook secret for ${siteId}/${endpointId}`);
    return secret;
  }
}

/**
 * A receiver in memory: records every request and answers from a script (`answer`), 200 by default.
 * For tests that check ordering, retries and signatures without a network.
 */
export class RecordingTransport implements WebhookTransport {
  readonly requests: { url: string; body: string; webhookId: string; timestamp: Date; secret: string }[] = [];
  private readonly script: WebhookOutcome[] = [];
  /** The next answers, in order (then 200s). */
  answer(...outcomes: (WebhookOutcome | number)[]): this {
    for (const o of outcomes) this.script.push(typeof o === 'number' ? { kind: 'response', status: o, latencyMs: 5 } : o);
    return this;
  }
  async send(request: { url: string; body: string; webhookId: string; timestamp: Date; secret: string }): Promise<WebhookOutcome> {
    this.requests.push(request);
    return this.script.shift() ?? { kind: 'response', status: 200, latencyMs: 5 };
  }
}
