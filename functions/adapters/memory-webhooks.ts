import type {
  LeadRef,
  IndexedProspect,
  ProspectCursor,
  ProspectEntry,
  ProspectStore,
  WebhookAttempt,
  WebhookDelivery,
  WebhookJob,
  DestinationErasureJob,
  DestinationSender,
  ErasureSubject,
  HandoffJob,
  WebhookOutcome,
  WebhookQueue,
  WebhookSecrets,
  WebhookStore,
  WebhookTransport,
} from '../core/ports.js';
import type { FitChangedEntry, Source } from '../core/contracts.js';
import type { Destination } from '../core/destinations/config.js';
import { anonymisedAudit } from './dynamo/prospect-store.js';
import { keys } from './dynamo/keys.js';

/** The shard of a lead's entries in the prospect index: as the table keys them (`keys.prospect`). */
const shardOf = (emailKey: string) => emailKey[0]!;
import type { InMemoryDueChecks, InMemoryLeadRepository, InMemoryNurtureStore } from './memory.js';

/** Webhook deliveries in memory, with the same behaviour as the DynamoDB store (see `dynamo/webhook-store.ts`). */
export class InMemoryWebhookStore implements WebhookStore {
  readonly deliveries = new Map<string, WebhookDelivery>();
  readonly disabled = new Map<string, string>();
  constructor(readonly due: InMemoryDueChecks) {}

  async create(deliveries: readonly Omit<WebhookDelivery, 'attempts' | 'status'>[]): Promise<void> {
    for (const d of deliveries)
      if (!this.deliveries.has(d.deliveryId)) this.deliveries.set(d.deliveryId, structuredClone({ ...d, status: 'pending', attempts: [] }));
  }
  async pending(ref: LeadRef, endpointId: string): Promise<WebhookDelivery[]> {
    return (await this.forLead(ref)).filter((d) => d.endpointId === endpointId && d.status === 'pending');
  }
  async recordAttempt(
    delivery: WebhookDelivery,
    attempt: WebhookAttempt,
    next: { status: WebhookDelivery['status']; nextAttemptAt?: string },
  ): Promise<boolean> {
    const stored = this.deliveries.get(delivery.deliveryId);
    if (!stored || stored.attempts.length !== delivery.attempts.length) return false;
    stored.attempts.push(structuredClone(attempt));
    this.leases.delete(delivery.deliveryId);
    stored.status = next.status;
    if (next.nextAttemptAt) stored.nextAttemptAt = next.nextAttemptAt;
    else delete stored.nextAttemptAt;
    return true;
  }
  /** Who holds each delivery's next try, until when. */
  readonly leases = new Map<string, string>();
  async lease(delivery: WebhookDelivery, until: string, now: string): Promise<boolean> {
    const stored = this.deliveries.get(delivery.deliveryId);
    if (!stored || stored.attempts.length !== delivery.attempts.length) return false;
    const held = this.leases.get(delivery.deliveryId);
    if (held && held >= now) return false;
    this.leases.set(delivery.deliveryId, until);
    return true;
  }
  async scheduleRetry(ref: LeadRef, endpointId: string, at: string): Promise<void> {
    this.due.add({ ...ref, at, kind: 'webhook-retry', endpointId });
  }
  async unscheduleRetry(ref: LeadRef, endpointId: string, at: string): Promise<void> {
    await this.due.done({ ...ref, at, kind: 'webhook-retry', endpointId });
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
  /** Erasures at destinations, apart from the delivery jobs. */
  readonly erasures: (DestinationErasureJob & { delaySeconds: number })[] = [];
  readonly deadLetters: { deliveryId: string; siteId: string; endpointId: string; type: string; reason: string }[] = [];
  async enqueue(jobs: readonly HandoffJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    for (const job of jobs)
      if ('kind' in job) this.erasures.push({ ...job, delaySeconds: options.delaySeconds ?? 0 });
      else this.jobs.push({ ...job, delaySeconds: options.delaySeconds ?? 0 });
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

/** Records what each destination was sent, and answers from a script (then "delivered"). */
export class RecordingDestinations implements DestinationSender {
  readonly delivered: { destinationId: string; siteId: string; deliveryId: string; body: string }[] = [];
  readonly erased: (ErasureSubject & { destinationId: string })[] = [];
  private readonly script: WebhookOutcome[] = [];
  /** The next answers, in order. */
  answer(...outcomes: WebhookOutcome[]): this {
    this.script.push(...outcomes);
    return this;
  }
  async deliver(destination: Destination, request: { siteId: string; deliveryId: string; body: string }): Promise<WebhookOutcome> {
    this.delivered.push({ destinationId: destination.id, ...request });
    return this.script.shift() ?? { kind: 'response', status: 200, latencyMs: 5, verdict: 'delivered' };
  }
  async erase(destination: Destination, subject: ErasureSubject): Promise<WebhookOutcome | { kind: 'unsupported'; reason: string }> {
    if (destination.kind === 'slack') return { kind: 'unsupported', reason: 'Slack' };
    this.erased.push({ destinationId: destination.id, ...subject });
    return this.script.shift() ?? { kind: 'response', status: 204, latencyMs: 5, verdict: 'delivered' };
  }
}

/**
 * The prospect index, claims, export and erasure in memory, over the in-memory repository and nurture
 * store (the same data a table partition holds), with the DynamoDB store's behaviour.
 */
export class InMemoryProspectStore implements ProspectStore {
  readonly counters = new Map<string, number>();
  /** `site#emailKey#stage` → the qualification's number. */
  readonly numbers = new Map<string, number>();
  readonly entries = new Map<string, ProspectEntry & { stage: string }>();
  readonly erased: ReturnType<typeof anonymisedAudit>[] = [];

  constructor(
    private readonly repo: InMemoryLeadRepository,
    private readonly nurture: InMemoryNurtureStore,
    private readonly webhooks: InMemoryWebhookStore,
  ) {}

  async sequenceOf(ref: LeadRef, stage: string): Promise<number> {
    const key = `${ref.siteId}#${ref.emailKey}#${stage}`;
    const known = this.numbers.get(key);
    if (known !== undefined) return known;
    const counter = `${ref.siteId}#${stage}#${shardOf(ref.emailKey)}`;
    const seq = (this.counters.get(counter) ?? 0) + 1;
    this.counters.set(counter, seq);
    this.numbers.set(key, seq);
    return seq;
  }
  async putEntry(stage: string, entry: ProspectEntry): Promise<void> {
    this.entries.set(`${entry.siteId}#${stage}#${shardOf(entry.emailKey)}#${entry.seq}`, { ...entry, stage });
  }
  async dropEntry(ref: LeadRef, stage: string, seq: number): Promise<void> {
    this.entries.delete(`${ref.siteId}#${stage}#${shardOf(ref.emailKey)}#${seq}`);
  }
  async entriesAfter(siteId: string, stage: string, after: ProspectCursor, limit: number): Promise<IndexedProspect[]> {
    const all = [...this.entries.values()]
      .filter((e) => e.siteId === siteId && e.stage === stage)
      .map(({ stage: _, ...e }) => ({ ...e, shard: shardOf(e.emailKey) }));
    return keys.prospectShards.flatMap((shard) =>
      all
        .filter((e) => e.shard === shard && e.seq > (after[shard] ?? 0))
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit),
    );
  }
  async claim(ref: LeadRef, rep: string, at: string): Promise<{ claimed: { rep: string; at: string } } | { taken: { rep: string; at: string } }> {
    const lead = this.repo.leads.get(`${ref.siteId}#${ref.emailKey}`);
    if (!lead) throw new Error('no such lead');
    if (lead.claimedBy !== undefined && lead.claimedBy !== rep) return { taken: { rep: lead.claimedBy as string, at: lead.claimedAt as string } };
    lead.claimedBy = rep;
    lead.claimedAt ??= at;
    const claimedAt = lead.claimedAt as string;
    this.nurture.logs.set(`${ref.siteId}#${ref.emailKey}#${claimedAt}#claimed`, {
      partition: `${ref.siteId}#${ref.emailKey}`,
      entry: { type: 'prospect_claimed', at: claimedAt, rep },
    });
    return { claimed: { rep, at: claimedAt } };
  }
  async release(
    ref: LeadRef,
    release: { rep?: string; by: string; at: string },
  ): Promise<{ released: { rep: string; at: string } } | { taken: { rep: string; at: string } } | { notClaimed: true }> {
    const lead = this.repo.leads.get(`${ref.siteId}#${ref.emailKey}`);
    if (!lead) throw new Error('no such lead');
    if (lead.claimedBy === undefined) return { notClaimed: true };
    if (release.rep !== undefined && lead.claimedBy !== release.rep) return { taken: { rep: lead.claimedBy as string, at: lead.claimedAt as string } };
    const rep = lead.claimedBy as string;
    delete lead.claimedBy;
    delete lead.claimedAt;
    this.nurture.logs.set(`${ref.siteId}#${ref.emailKey}#${release.at}#released`, {
      partition: `${ref.siteId}#${ref.emailKey}`,
      entry: { type: 'prospect_released', at: release.at, rep, by: release.by },
    });
    return { released: { rep, at: release.at } };
  }
  async markHandedOff(ref: LeadRef, at: string): Promise<{ firstSource: Source; email: string } | undefined> {
    const lead = this.repo.leads.get(`${ref.siteId}#${ref.emailKey}`);
    if (!lead || lead.handedOffAt !== undefined) return undefined;
    lead.handedOffAt = at;
    return { firstSource: lead.firstSource as Source, email: lead.email as string };
  }
  async setFit(ref: LeadRef, entry: FitChangedEntry): Promise<boolean> {
    const lead = this.repo.leads.get(`${ref.siteId}#${ref.emailKey}`);
    const notAFit = entry.type === 'marked_not_a_fit';
    if (!lead || (lead.notAFitAt !== undefined) === notAFit) return false;
    if (notAFit) Object.assign(lead, { notAFitAt: entry.at, notAFitBy: entry.by });
    else {
      delete lead.notAFitAt;
      delete lead.notAFitBy;
    }
    this.nurture.logs.set(`${ref.siteId}#${ref.emailKey}#${entry.at}#${entry.type}`, { partition: `${ref.siteId}#${ref.emailKey}`, entry });
    return true;
  }
  async exportLead(ref: LeadRef): Promise<Record<string, unknown[]>> {
    const partition = `${ref.siteId}#${ref.emailKey}`;
    const lead = this.repo.leads.get(partition);
    const mine = <T extends { partition: string }>(m: Map<string, T>) =>
      [...m.values()].filter((v) => v.partition === partition).map(({ partition: _, ...rest }) => rest);
    return {
      lead: lead ? [lead] : [],
      submissions: mine(this.repo.submissions),
      events: [...mine(this.repo.events), ...mine(this.nurture.engagements)],
      stageChanges: this.repo.stageChanges.get(partition) ?? [],
      enrolments: mine(this.nurture.enrolments),
      emails: mine(this.nurture.sends),
      optIns: mine(this.nurture.optIns),
      log: mine(this.nurture.logs),
      webhookDeliveries: await this.webhooks.forLead(ref),
    };
  }
  async eraseLead(ref: LeadRef, at: string): Promise<boolean> {
    const partition = `${ref.siteId}#${ref.emailKey}`;
    const lead = this.repo.leads.get(partition);
    if (!lead) return false;
    const history = [...this.repo.submissions.values()].filter((s) => s.partition === partition).flatMap((s) => (s.entry.consent ? [s.entry.consent] : []));
    this.repo.leads.delete(partition);
    await this.clear(ref);
    this.erased.push(anonymisedAudit(lead.leadId as string, at, history));
    return true;
  }
  async sweepIfErased(ref: LeadRef): Promise<'present' | 'swept'> {
    if (this.repo.leads.has(`${ref.siteId}#${ref.emailKey}`)) return 'present';
    await this.clear(ref);
    return 'swept';
  }
  /** Everything of a lead but the lead itself, and what points at it. */
  private async clear(ref: LeadRef): Promise<void> {
    const partition = `${ref.siteId}#${ref.emailKey}`;
    this.repo.stageChanges.delete(partition);
    for (const m of [
      this.repo.submissions,
      this.repo.events,
      this.nurture.enrolments,
      this.nurture.sends,
      this.nurture.optIns,
      this.nurture.logs,
      this.nurture.engagements,
    ] as Map<string, { partition: string }>[]) {
      for (const [k, v] of m) if (v.partition === partition) m.delete(k);
    }
    for (const d of await this.webhooks.forLead(ref)) this.webhooks.deliveries.delete(d.deliveryId);
    for (const [k, c] of this.repo.due.checks) if (c.siteId === ref.siteId && c.emailKey === ref.emailKey) this.repo.due.checks.delete(k);
    for (const [k, e] of this.entries) if (e.siteId === ref.siteId && e.emailKey === ref.emailKey) this.entries.delete(k);
  }
}
