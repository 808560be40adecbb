import type { LeadView, StageChangedEntry, TimelineEntry } from '../core/contracts.js';
import type { ApiKey, ApiKeyStore, CaptureWrite, Clock, DueCheck, DueChecks, IdGenerator, LeadRef, LeadRepository, RateLimiter, ScoreUpdate, ScoringInput, SpamRecord, StoredAnswer, StoredEvent } from '../core/ports.js';
import { isTrackable, scoringInputOf, toLeadView } from './dynamo/lead-repository.js';
import { dueDay } from '../core/due.js';

/**
 * In-memory implementations of every port: real behaviour, no I/O. Use-case tests use these and assert
 * on their state instead of mocking the SDK.
 */
export class InMemoryLeadRepository implements LeadRepository {
  readonly leads = new Map<string, Record<string, unknown>>();
  readonly submissions = new Map<string, { partition: string; entry: CaptureWrite['entry']; answer: StoredAnswer }>();
  readonly spam: SpamRecord[] = [];
  /** Stage changes recorded, by partition: the domain events a real table's stream would carry. */
  readonly stageChanges = new Map<string, StageChangedEntry[]>();
  readonly events = new Map<string, { partition: string; entry: StoredEvent }>();
  /** Scheduled re-scores written by saveScore; share it with an {@link InMemoryDueChecks}. */
  constructor(readonly due: InMemoryDueChecks = new InMemoryDueChecks()) {}

  async findAnswer(siteId: string, emailKey: string, submissionId: string): Promise<StoredAnswer | undefined> {
    return this.submissions.get(`${siteId}#${emailKey}#${submissionId}`)?.answer;
  }

  async capture(write: CaptureWrite): Promise<StoredAnswer> {
    const partition = `${write.siteId}#${write.emailKey}`;
    const before = this.leads.get(partition);
    const lead = { ...before };
    lead.leadId ??= write.newLeadId;
    lead.createdAt ??= write.source.at;
    lead.firstSource ??= write.source;
    Object.assign(lead, { siteId: write.siteId, email: write.email, updatedAt: write.source.at, latestSource: write.source });
    for (const [k, v] of Object.entries(write.profile)) if (v) lead[k] = v;
    if (write.consent) lead.consentMarketing = write.consent;
    this.leads.set(partition, lead);
    const subKey = `${partition}#${write.entry.submissionId}`;
    const existing = this.submissions.get(subKey);
    if (existing) return existing.answer;
    const answer: StoredAnswer = { status: before ? 200 : 201, leadId: lead.leadId as string, ...write.reply };
    this.submissions.set(subKey, { partition, entry: write.entry, answer });
    return answer;
  }

  async recordSpam(record: SpamRecord): Promise<void> {
    this.spam.push(record);
  }

  async findById(leadId: string): Promise<LeadView | undefined> {
    const found = [...this.leads.entries()].find(([, l]) => l.leadId === leadId);
    return found && this.view(found[0], found[1]);
  }

  async findByEmail(siteId: string, emailKey: string): Promise<LeadView | undefined> {
    const partition = `${siteId}#${emailKey}`;
    const lead = this.leads.get(partition);
    return lead && this.view(partition, lead);
  }

  async loadForScoring(ref: LeadRef): Promise<ScoringInput | undefined> {
    const view = await this.findByEmail(ref.siteId, ref.emailKey);
    return view && scoringInputOf(view, this.leads.get(`${ref.siteId}#${ref.emailKey}`)!.decayCheckAt as string | undefined);
  }

  async saveScore(ref: LeadRef, update: ScoreUpdate): Promise<void> {
    const partition = `${ref.siteId}#${ref.emailKey}`;
    const lead = this.leads.get(partition);
    if (!lead) throw new Error('no such lead');
    if (update.decayCheckAt !== update.previousDecayCheckAt) {
      if (update.decayCheckAt) this.due.add({ ...ref, at: update.decayCheckAt });
      if (update.previousDecayCheckAt) void this.due.done({ ...ref, at: update.previousDecayCheckAt });
    }
    lead.score = update.score;
    if (update.decayCheckAt) lead.decayCheckAt = update.decayCheckAt;
    else delete lead.decayCheckAt;
    const change = update.change;
    if (!change || (lead.stage ?? 'lead') !== change.from) return;
    const changes = this.stageChanges.get(partition) ?? [];
    if (changes.some((c) => c.to === change.to)) return;
    lead.stage = change.to;
    this.stageChanges.set(partition, [...changes, change]);
  }

  async recordEvent(siteId: string, leadId: string, event: StoredEvent): Promise<'recorded' | 'duplicate' | 'unsubscribed' | 'unknown'> {
    const found = [...this.leads.entries()].find(([, l]) => l.leadId === leadId && l.siteId === siteId);
    if (!found) return 'unknown';
    if (!isTrackable(found[1])) return 'unsubscribed';
    const key = `${found[0]}#${event.eventId}`;
    if (this.events.has(key)) return 'duplicate';
    this.events.set(key, { partition: found[0], entry: event });
    return 'recorded';
  }

  private view(partition: string, lead: Record<string, unknown>): LeadView {
    const mine = <T extends { partition: string }>(m: Map<string, T>) => [...m.values()].filter((s) => s.partition === partition);
    const timeline: TimelineEntry[] = [...mine(this.submissions).map((s) => s.entry), ...mine(this.events).map((e) => e.entry), ...(this.stageChanges.get(partition) ?? [])].sort((a, b) =>
      a.at.localeCompare(b.at),
    );
    return toLeadView(lead, timeline);
  }
}

export class InMemoryApiKeyStore implements ApiKeyStore {
  readonly keys = new Map<string, ApiKey>();
  async findByHash(hash: string): Promise<ApiKey | undefined> {
    return this.keys.get(hash);
  }
}

/**
 * Fixed-window counter per client key. In Lambda it lives per execution environment: a flood from one
 * address lands mostly on a few warm environments, and the API's stage throttle caps the rest.
 */
export class FixedWindowRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetsAt: number }>();
  constructor(private readonly clock: Clock) {}

  async hit(key: string, limit: number, windowSeconds: number) {
    const now = this.clock.now().getTime();
    let window = this.windows.get(key);
    if (!window || window.resetsAt <= now) {
      if (this.windows.size > 10_000) this.evict(now);
      window = { count: 0, resetsAt: now + windowSeconds * 1000 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count > limit) return { allowed: false as const, retryAfterSeconds: Math.max(1, Math.ceil((window.resetsAt - now) / 1000)) };
    return { allowed: true as const };
  }

  private evict(now: number) {
    for (const [k, w] of this.windows) if (w.resetsAt <= now) this.windows.delete(k);
  }
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests set and advance. */
export class FakeClock implements Clock {
  constructor(private current: Date = new Date('2026-11-22T10:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  set(at: Date | string): void {
    this.current = new Date(at);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export const randomIds: IdGenerator = { newId: () => crypto.randomUUID() };

/** Due checks in memory, keyed like the table's (time, lead), so writing one twice keeps one. */
export class InMemoryDueChecks implements DueChecks {
  readonly checks = new Map<string, DueCheck>();
  day: string | undefined;
  add(check: DueCheck): void {
    this.checks.set(`${check.at}#${check.siteId}#${check.emailKey}`, check);
  }
  async list(day: string, until: string): Promise<DueCheck[]> {
    return [...this.checks.values()].filter((c) => dueDay(c.at) === day && c.at <= until).sort((a, b) => a.at.localeCompare(b.at));
  }
  async done(check: DueCheck): Promise<void> {
    this.checks.delete(`${check.at}#${check.siteId}#${check.emailKey}`);
  }
  async cursor(): Promise<string | undefined> {
    return this.day;
  }
  async setCursor(day: string): Promise<void> {
    this.day = day;
  }
}
