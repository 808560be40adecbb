import type {
  EmailEngagedEntry,
  EmailFailedEntry,
  EmailKind,
  EmailSentEntry,
  EmailSuppressedEntry,
  LeadView,
  OptInConfirmedEntry,
  SequenceExitedEntry,
  ProspectClaimedEntry,
  ProspectReleasedEntry,
  StageChangedEntry,
  TimelineEntry,
  UnsubscribedEntry,
  UnsubscribeMethod,
  FitChangedEntry,
} from '../core/contracts.js';
import type { EnrolmentState } from '../core/nurture/sequence.js';
import type {
  ApiKey,
  EmailStats,
  AuditEntry,
  AuditLog,
  ExportFiles,
  ExportJob,
  ExportJobs,
  LeadIndex,
  ListPage,
  FormStats,
  StatCell,
  ApiKeyInfo,
  ApiKeyStore,
  CaptureOutcome,
  CaptureWrite,
  Limit,
  ClaimOptions,
  CountOptions,
  Clock,
  DueCheck,
  DueChecks,
  LeadRef,
  LeadRepository,
  MailLead,
  NurtureStore,
  RateLimiter,
  ScoreUpdate,
  ScoringInput,
  SendRecord,
  SpamRecord,
  StoredAnswer,
  StoredEnrolment,
  StoredEvent,
} from '../core/ports.js';
import { claimEntry, isClaim, isTrackable, mailLeadOf, scoringInputOf, toLeadView } from '../core/lead-record.js';
import { dueDay } from '../core/due.js';
import { indexEntriesOf, passes, type LeadCard, type ListPlan } from '../core/lead-index.js';
import { ValidationError } from '../core/errors.js';
import { type Attribution, BOUNDED_DIMENSIONS, MAX_KEYS_PER_DAY, NONE, OTHER, type StatDimension, type StatMetric, addCounts, cellsOf } from '../core/stats.js';
import type { EmailCounts, EmailStatCell } from '../core/email-stats.js';
import { FixedWindowRateLimiter, systemClock } from './system.js';

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
  /**
   * Set by an {@link InMemoryNurtureStore} built on this repository: its timeline entries (sends, opt-ins,
   * the mail log, opens and clicks) and enrolments join the lead's view, as they share a partition in the table.
   */
  nurture?: { timelineOf(partition: string): TimelineEntry[]; enrolmentsOf(partition: string): StoredEnrolment[] };
  /** Scheduled re-scores written by saveScore; share it with an {@link InMemoryDueChecks}. */
  constructor(
    readonly due: InMemoryDueChecks = new InMemoryDueChecks(),
    /** The client limits capture counts (share it with the deps' rate limiter). */
    private readonly counters: RateLimiter = new FixedWindowRateLimiter(systemClock),
  ) {}

  /** As the table's transaction: a stored submission is a replay (nothing counted), over the limit nothing is written. */
  async capture(write: CaptureWrite, limit: Limit): Promise<CaptureOutcome> {
    const partition = `${write.siteId}#${write.emailKey}`;
    const subKey = `${partition}#${write.entry.submissionId}`;
    const existing = this.submissions.get(subKey);
    if (existing) return { replayed: existing.answer };
    const counted = await this.counters.hit(limit.key, limit.limit, limit.windowSeconds);
    if (!counted.allowed) return { limited: { retryAfterSeconds: counted.retryAfterSeconds } };
    const before = this.leads.get(partition);
    const claim = isClaim(write, before?.leadId as string | undefined);
    if (!claim) {
      const lead = { ...before };
      lead.leadId ??= write.newLeadId;
      lead.createdAt ??= write.source.at;
      lead.firstSource ??= write.source;
      Object.assign(lead, { siteId: write.siteId, email: write.email, updatedAt: write.source.at, latestSource: write.source });
      for (const [k, v] of Object.entries(write.profile)) if (v) lead[k] = v;
      if (write.consent) lead.consentMarketing = write.consent;
      this.leads.set(partition, lead);
    }
    const leadId = (before?.leadId as string | undefined) ?? write.newLeadId;
    const answer: StoredAnswer = { status: before ? 200 : 201, leadId, ...(claim && { claim: true as const }), ...write.reply };
    this.submissions.set(subKey, { partition, entry: claim ? claimEntry(write) : write.entry, answer });
    return { stored: answer };
  }

  async recordSpam(record: SpamRecord, limit: Limit): Promise<{ limited: { retryAfterSeconds: number } } | undefined> {
    // As the table's condition: a retried submission id counts nothing.
    if (this.spam.some((s) => s.siteId === record.siteId && s.submissionId === record.submissionId && s.at.slice(0, 10) === record.at.slice(0, 10)))
      return undefined;
    const counted = await this.counters.hit(limit.key, limit.limit, limit.windowSeconds);
    if (!counted.allowed) return { limited: { retryAfterSeconds: counted.retryAfterSeconds } };
    this.spam.push(record);
    return undefined;
  }

  /** Submissions marked counted, keyed `<partition>#<submissionId>`. */
  readonly counted = new Set<string>();
  async markCounted(ref: LeadRef, submissionId: string): Promise<boolean> {
    const key = `${ref.siteId}#${ref.emailKey}#${submissionId}`;
    if (!this.submissions.has(key) || this.counted.has(key)) return false;
    this.counted.add(key);
    return true;
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

  async saveScore(ref: LeadRef, update: ScoreUpdate): Promise<boolean> {
    const partition = `${ref.siteId}#${ref.emailKey}`;
    const lead = this.leads.get(partition);
    if (!lead) throw new Error('no such lead');
    if (update.decayCheckAt !== update.previousDecayCheckAt) {
      if (update.decayCheckAt) this.due.add({ ...ref, at: update.decayCheckAt, kind: 'decay' });
      if (update.previousDecayCheckAt) void this.due.done({ ...ref, at: update.previousDecayCheckAt, kind: 'decay' });
    }
    lead.score = update.score;
    if (update.decayCheckAt) lead.decayCheckAt = update.decayCheckAt;
    else delete lead.decayCheckAt;
    const change = update.change;
    if (!change || (lead.stage ?? 'lead') !== change.from) return false;
    const changes = this.stageChanges.get(partition) ?? [];
    if (changes.some((c) => c.to === change.to)) return false;
    lead.stage = change.to;
    this.stageChanges.set(partition, [...changes, change]);
    return true;
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
    const timeline: TimelineEntry[] = [
      ...mine(this.submissions).map((s) => s.entry),
      ...mine(this.events).map((e) => e.entry),
      ...(this.stageChanges.get(partition) ?? []),
      ...(this.nurture?.timelineOf(partition) ?? []),
    ].sort((a, b) => a.at.localeCompare(b.at));
    return toLeadView(lead, timeline, this.nurture?.enrolmentsOf(partition) ?? []);
  }
}

export class InMemoryApiKeyStore implements ApiKeyStore {
  readonly keys = new Map<string, ApiKey>();
  readonly listing = new Map<string, ApiKeyInfo & { hash: string }>();
  async findByHash(hash: string): Promise<ApiKey | undefined> {
    return this.listing.get(hash.slice(0, 16))?.revokedAt ? undefined : this.keys.get(hash);
  }
  async save(hash: string, key: ApiKey, createdAt: string, createdBy?: string): Promise<void> {
    this.keys.set(hash, key);
    this.listing.set(hash.slice(0, 16), { ...key, hash, id: hash.slice(0, 16), createdAt, ...(createdBy !== undefined && { createdBy }) });
  }
  async list(): Promise<ApiKeyInfo[]> {
    return [...this.listing.values()].map(({ hash: _, ...info }) => info).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }
  async revoke(which: { id: string } | { hash: string }, at: string): Promise<boolean> {
    const entry = this.listing.get('id' in which ? which.id : which.hash.slice(0, 16));
    if (!entry || entry.revokedAt) return false;
    entry.revokedAt = at;
    return true;
  }
}

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

/** Due checks in memory, keyed like the table's (time, lead, sequence for a nurture step), so writing one twice keeps one. */
export class InMemoryDueChecks implements DueChecks {
  readonly checks = new Map<string, DueCheck>();
  day: string | undefined;
  add(check: DueCheck): void {
    this.checks.set(dueKey(check), check);
  }
  async list(day: string, until: string): Promise<DueCheck[]> {
    return [...this.checks.values()].filter((c) => dueDay(c.at) === day && c.at <= until).sort((a, b) => a.at.localeCompare(b.at));
  }
  async done(check: DueCheck): Promise<void> {
    this.checks.delete(dueKey(check));
  }
  async cursor(): Promise<string | undefined> {
    return this.day;
  }
  async setCursor(day: string): Promise<void> {
    this.day = day;
  }
}

const dueKey = (check: DueCheck): string =>
  `${check.at}#${check.siteId}#${check.emailKey}${check.kind === 'step' ? `#SEQ#${check.sequenceId}` : check.kind === 'webhook-retry' ? `#WH#${check.endpointId}` : ''}`;

/** A send record as the fake stores it: the port's record, plus a `released` status and the timeline entry once done. */
export interface InMemorySend {
  partition: string;
  sendKey: string;
  kind: EmailKind;
  status: SendRecord['status'] | 'released';
  claimedAt: string;
  sequenceId?: string;
  sentAt?: string;
  failedAt?: string;
  entry?: EmailSentEntry | EmailFailedEntry;
}

type LogEntry = UnsubscribedEntry | EmailSuppressedEntry | SequenceExitedEntry | ProspectClaimedEntry | ProspectReleasedEntry | FitChangedEntry;

/**
 * The nurture store in memory, with the same rules as the DynamoDB one (conditions, idempotency, stale
 * claims), on the leads of an {@link InMemoryLeadRepository} (`unsubscribedAt`, `suppressed`,
 * `softBounces` live on its lead records) and the due checks of an {@link InMemoryDueChecks} (by default
 * the repository's). Its entries and enrolments show in the repository's lead views.
 * Every map is keyed `<partition>#<id>` where the partition is `<siteId>#<emailKey>`; assert on them.
 * @example const store = new InMemoryNurtureStore(leads); await store.unsubscribe(ref, at, 'page'); store.logs.size // 1
 */
export class InMemoryNurtureStore implements NurtureStore {
  /** Keyed `<partition>#<sequenceId>`. */
  readonly enrolments = new Map<string, { partition: string; enrolment: StoredEnrolment }>();
  /** Keyed `<partition>#<sendKey>`. */
  readonly sends = new Map<string, InMemorySend>();
  /** Keyed `<partition>#<submissionId>`. */
  readonly optIns = new Map<string, { partition: string; entry: OptInConfirmedEntry }>();
  /** The mail log (unsubscribes, suppressions, sequence exits), keyed `<partition>#<at>#<id>` like the table's `LOG#` items. */
  readonly logs = new Map<string, { partition: string; entry: LogEntry }>();
  /** Email opens and clicks, keyed `<partition>#<eventId>` (the table keeps them as `EV#` items, beside page views). */
  readonly engagements = new Map<string, { partition: string; entry: EmailEngagedEntry }>();

  constructor(
    readonly repo: InMemoryLeadRepository,
    readonly due: InMemoryDueChecks = repo.due,
  ) {
    repo.nurture = { timelineOf: (p) => this.timelineOf(p), enrolmentsOf: (p) => this.enrolmentsOf(p) };
  }

  async load(ref: LeadRef): Promise<MailLead | undefined> {
    const partition = partitionOf(ref);
    const lead = this.repo.leads.get(partition);
    if (!lead) return undefined;
    const submissions = [...this.repo.submissions.values()]
      .filter((s) => s.partition === partition)
      .sort((a, b) => a.entry.submissionId.localeCompare(b.entry.submissionId));
    return mailLeadOf(ref, lead, {
      submissions: submissions.map((s) => structuredClone(s.entry)),
      optIns: mine(this.optIns, partition)
        .map((o) => o.entry.submissionId)
        .sort(),
      enrolments: this.enrolmentsOf(partition),
      sends: mine(this.sends, partition)
        .sort((a, b) => a.sendKey.localeCompare(b.sendKey))
        .flatMap((s): SendRecord[] =>
          s.status === 'released'
            ? []
            : [
                {
                  sendKey: s.sendKey,
                  kind: s.kind,
                  status: s.status,
                  at: s.sentAt ?? s.claimedAt,
                  ...(s.sequenceId !== undefined && { sequenceId: s.sequenceId }),
                },
              ],
        ),
    });
  }

  async findRef(siteId: string, leadId: string): Promise<LeadRef | undefined> {
    for (const [partition, lead] of this.repo.leads) {
      if (lead.leadId === leadId && lead.siteId === siteId) return { siteId, emailKey: partition.slice(siteId.length + 1) };
    }
    return undefined;
  }

  async enrol(ref: LeadRef, enrolment: StoredEnrolment): Promise<boolean> {
    const partition = partitionOf(ref);
    const { state } = enrolment;
    const dueAt = scheduledAt(state);
    if (dueAt) this.due.add({ ...ref, at: dueAt, kind: 'step', sequenceId: state.sequenceId });
    const key = `${partition}#${state.sequenceId}`;
    const existing = this.enrolments.get(key);
    if (existing) {
      if (dueAt && scheduledAt(existing.enrolment.state) !== dueAt) await this.due.done({ ...ref, at: dueAt, kind: 'step', sequenceId: state.sequenceId });
      return false;
    }
    this.enrolments.set(key, { partition, enrolment: structuredClone(enrolment) });
    return true;
  }

  async moveEnrolment(ref: LeadRef, from: EnrolmentState, to: EnrolmentState, at: string): Promise<boolean> {
    if (from.sequenceId !== to.sequenceId) throw new Error(`Cannot move an enrolment from "${from.sequenceId}" to "${to.sequenceId}"`);
    const partition = partitionOf(ref);
    const sequenceId = from.sequenceId;
    const before = scheduledAt(from);
    const after = scheduledAt(to);
    if (after && after !== before) this.due.add({ ...ref, at: after, kind: 'step', sequenceId });
    const stored = this.enrolments.get(`${partition}#${sequenceId}`);
    const current = stored?.enrolment.state;
    if (!stored || !current || current.stepIndex !== from.stepIndex || current.status !== from.status || current.nextAt !== from.nextAt) return false;
    stored.enrolment = { ...stored.enrolment, state: structuredClone(to) };
    if (to.status === 'exited') {
      const entry: SequenceExitedEntry = {
        type: 'sequence_exited',
        at,
        sequenceId,
        reason: to.exitReason ?? 'unknown',
        ...(to.exitDetail !== undefined && { detail: to.exitDetail }),
      };
      this.logs.set(`${partition}#${at}#exit-${sequenceId}`, { partition, entry });
    }
    if (before && before !== after) await this.due.done({ ...ref, at: before, kind: 'step', sequenceId });
    return true;
  }

  async claimSend(
    ref: LeadRef,
    send: { sendKey: string; kind: EmailKind; sequenceId?: string },
    at: string,
    staleAfterMs: number,
    options: ClaimOptions = {},
  ): Promise<'claimed' | 'sent' | 'failed' | 'busy'> {
    const partition = partitionOf(ref);
    const key = `${partition}#${send.sendKey}`;
    const existing = this.sends.get(key);
    const staleBefore = new Date(Date.parse(at) - staleAfterMs).toISOString();
    const reclaimBefore = options.reclaimAfterMs === undefined ? '0000' : new Date(Date.parse(at) - options.reclaimAfterMs).toISOString();
    const finished = existing?.status === 'sent' || existing?.status === 'failed';
    if (
      existing &&
      existing.status !== 'released' &&
      !(existing.status === 'sending' && existing.claimedAt < staleBefore) &&
      !(finished && existing.claimedAt < reclaimBefore)
    ) {
      return existing.status === 'sent' ? 'sent' : existing.status === 'failed' ? 'failed' : 'busy';
    }
    this.sends.set(key, {
      partition,
      sendKey: send.sendKey,
      kind: send.kind,
      status: 'sending',
      claimedAt: at,
      ...(send.sequenceId !== undefined && { sequenceId: send.sequenceId }),
    });
    return 'claimed';
  }

  async markSent(ref: LeadRef, sendKey: string, entry: EmailSentEntry): Promise<void> {
    const send = this.claimOf(ref, sendKey);
    Object.assign(send, { status: 'sent', sentAt: entry.at, entry: structuredClone(entry) });
  }

  async markFailed(ref: LeadRef, sendKey: string, entry: EmailFailedEntry): Promise<void> {
    const send = this.claimOf(ref, sendKey);
    Object.assign(send, { status: 'failed', failedAt: entry.at, entry: structuredClone(entry) });
  }

  async releaseSend(ref: LeadRef, sendKey: string): Promise<void> {
    const send = this.sends.get(`${partitionOf(ref)}#${sendKey}`);
    if (send?.status === 'sending') send.status = 'released';
  }

  async confirmOptIn(ref: LeadRef, submissionId: string, formId: string, at: string): Promise<'confirmed' | 'duplicate'> {
    const partition = partitionOf(ref);
    const key = `${partition}#${submissionId}`;
    if (this.optIns.has(key)) return 'duplicate';
    this.optIns.set(key, { partition, entry: { type: 'opt_in_confirmed', at, formId, submissionId } });
    return 'confirmed';
  }

  async unsubscribe(ref: LeadRef, at: string, method: UnsubscribeMethod, by?: string): Promise<'unsubscribed' | 'already'> {
    const partition = partitionOf(ref);
    const lead = this.repo.leads.get(partition);
    if (!lead || lead.unsubscribedAt !== undefined) return 'already';
    lead.unsubscribedAt = at;
    lead.updatedAt = at;
    this.logs.set(`${partition}#${at}#unsubscribed`, { partition, entry: { type: 'unsubscribed', at, method, ...(by !== undefined && { by }) } });
    return 'unsubscribed';
  }

  async suppress(ref: LeadRef, entry: EmailSuppressedEntry): Promise<void> {
    const partition = partitionOf(ref);
    const lead = this.repo.leads.get(partition);
    if (!lead) return;
    const replaceable = lead.suppressed === undefined || (lead.suppressed === 'bounced' && entry.reason === 'complained');
    if (!replaceable) return;
    lead.suppressed = entry.reason;
    lead.updatedAt = entry.at;
    this.logs.set(`${partition}#${entry.at}#suppressed-${entry.reason}`, { partition, entry: structuredClone(entry) });
  }

  async countSoftBounce(ref: LeadRef, messageId: string): Promise<number> {
    const lead = this.repo.leads.get(partitionOf(ref));
    if (!lead) return 0;
    const counted = (lead.softBounceIds ??= new Set<string>()) as Set<string>;
    if (!counted.has(messageId)) {
      counted.add(messageId);
      lead.softBounces = (typeof lead.softBounces === 'number' ? lead.softBounces : 0) + 1;
    }
    return lead.softBounces as number;
  }

  async recordEngagement(ref: LeadRef, entry: EmailEngagedEntry): Promise<'recorded' | 'duplicate' | 'unknown'> {
    const partition = partitionOf(ref);
    if (!this.repo.leads.has(partition)) return 'unknown';
    const key = `${partition}#${entry.eventId}`;
    // One key space with page views, as `EV#<eventId>` in the table.
    if (this.engagements.has(key) || this.repo.events.has(key)) return 'duplicate';
    this.engagements.set(key, { partition, entry: structuredClone(entry) });
    return 'recorded';
  }

  /** The lead's mail-side timeline entries: sends done (sent/failed), opt-ins, the mail log, opens and clicks. */
  timelineOf(partition: string): TimelineEntry[] {
    return [
      ...mine(this.sends, partition).flatMap((s) => ((s.status === 'sent' || s.status === 'failed') && s.entry ? [s.entry] : [])),
      ...mine(this.optIns, partition).map((o) => o.entry),
      ...mine(this.logs, partition).map((l) => l.entry),
      ...mine(this.engagements, partition).map((e) => e.entry),
    ].map((e) => structuredClone(e));
  }

  /** The lead's enrolments, by sequence id (as the table's Query returns them). */
  enrolmentsOf(partition: string): StoredEnrolment[] {
    return mine(this.enrolments, partition)
      .map((e) => structuredClone(e.enrolment))
      .sort((a, b) => a.state.sequenceId.localeCompare(b.state.sequenceId));
  }

  /** The claim to finish; like the table's `attribute_exists` condition, finishing no claim is an error. */
  private claimOf(ref: LeadRef, sendKey: string): InMemorySend {
    const send = this.sends.get(`${partitionOf(ref)}#${sendKey}`);
    if (!send) throw new Error(`no claim for send "${sendKey}"`);
    return send;
  }
}

const partitionOf = (ref: LeadRef): string => `${ref.siteId}#${ref.emailKey}`;
const mine = <T extends { partition: string }>(m: Map<string, T>, partition: string): T[] => [...m.values()].filter((v) => v.partition === partition);
/** When an enrolment's next step is scheduled: only an active one with a `nextAt` is. */
const scheduledAt = (state: EnrolmentState): string | undefined => (state.status === 'active' ? state.nextAt : undefined);

/** Form counters in memory: the same cells as the table's, without shards. */
export class InMemoryFormStats implements FormStats {
  readonly cells = new Map<string, Partial<Record<StatMetric, number>>>();

  /** The values each dimension admitted per day, keyed like a cell without its value. */
  readonly admitted = new Map<string, Set<string>>();

  async count(siteId: string, attribution: Attribution, day: string, add: Partial<Record<StatMetric, number>>, options: CountOptions = {}): Promise<void> {
    for (const { dimension, value: given } of cellsOf(attribution, add)) {
      let value = given;
      if ((BOUNDED_DIMENSIONS as readonly string[]).includes(dimension) && given !== NONE) {
        const day_ = [siteId, attribution.formId, dimension, day].join('\u0000');
        const seen = this.admitted.get(day_) ?? new Set<string>();
        if (!seen.has(given) && (seen.size >= MAX_KEYS_PER_DAY || (options.mayAdmit && !(await options.mayAdmit())))) value = OTHER;
        else this.admitted.set(day_, seen.add(given));
      }
      const key = [siteId, attribution.formId, dimension, day, value].join('\u0000');
      this.cells.set(key, addCounts(this.cells.get(key) ?? {}, add));
    }
  }

  async read(siteId: string, formId: string, dimension: 'all' | StatDimension, from: string, to: string): Promise<StatCell[]> {
    return [...this.cells.entries()].flatMap(([key, counts]) => {
      const [site, form, dim, day, value] = key.split('\u0000') as [string, string, string, string, string];
      return site === siteId && form === formId && dim === dimension && day >= from && day <= to ? [{ day, value, counts: { ...counts } }] : [];
    });
  }
}

/** Email counters in memory: the same cells as the table's, without partitions; counted event ids kept forever. */
export class InMemoryEmailStats implements EmailStats {
  readonly cells = new Map<string, EmailCounts>();
  readonly counted = new Set<string>();

  async count(siteId: string, day: string, email: string, add: EmailCounts, eventId?: string): Promise<'counted' | 'duplicate'> {
    if (eventId !== undefined) {
      if (this.counted.has(eventId)) return 'duplicate';
      this.counted.add(eventId);
    }
    const key = [siteId, day, email].join('\u0000');
    this.cells.set(key, addCounts(this.cells.get(key) ?? {}, add));
    return 'counted';
  }

  async read(siteId: string, from: string, to: string): Promise<EmailStatCell[]> {
    return [...this.cells.entries()].flatMap(([key, counts]) => {
      const [site, day, email] = key.split('\u0000') as [string, string, string];
      return site === siteId && day >= from && day <= to ? [{ day, email, counts: { ...counts } }] : [];
    });
  }
}

/**
 * The console's lead lists in memory, with the DynamoDB index's behaviour: entries per list (from the same
 * `indexEntriesOf`), read in order from a cursor, at most `maxRead` a page, filtered by the same `passes`.
 */
export class InMemoryLeadIndex implements LeadIndex {
  /** `<site>#<emailKey>` → its entries, each with its list and card. */
  readonly entries = new Map<string, { list: string; sort: string; card: LeadCard }[]>();

  async refresh(ref: LeadRef, card: LeadCard | undefined): Promise<number> {
    const before = JSON.stringify(this.entries.get(partitionOf(ref)) ?? []);
    const after = card ? indexEntriesOf(card).map((e) => ({ list: `${e.dimension}#${e.value ?? ''}`, sort: e.sort, card })) : [];
    if (after.length) this.entries.set(partitionOf(ref), after);
    else this.entries.delete(partitionOf(ref));
    return before === JSON.stringify(after) ? 0 : after.length || 1;
  }

  async page(siteId: string, plan: ListPlan, options: { limit: number; maxRead: number; cursor?: string | undefined }): Promise<ListPage> {
    const mine = [...this.entries].filter(([p]) => p.startsWith(`${siteId}#`)).flatMap(([, e]) => e);
    const inList = (l: ListPlan['lists'][number]) =>
      mine
        .filter((e) => e.list === `${l.dimension}#${l.value ?? ''}`)
        .filter((e) => (l.prefix === undefined || e.sort.startsWith(l.prefix)) && e.sort >= (l.after ?? '') && e.sort <= (l.before ?? '~'))
        .sort((a, b) => a.sort.localeCompare(b.sort));
    if (plan.lists.length > 1) {
      const found = plan.lists.flatMap((l) => inList(l).slice(0, options.limit));
      const seen = new Set<string>();
      const cards = found.map((e) => e.card).filter((c) => !seen.has(c.leadId) && seen.add(c.leadId) && passes(c, plan.filter));
      const incomplete = plan.lists.some((l) => inList(l).length > options.limit) || cards.length > options.limit;
      return { cards: cards.slice(0, options.limit), read: found.length, ...(incomplete && { incomplete: true as const }) };
    }
    const list = inList(plan.lists[0]!);
    if (plan.newestFirst) list.reverse();
    let i = options.cursor === undefined ? 0 : list.findIndex((e) => e.sort === options.cursor) + 1;
    if (options.cursor !== undefined && i === 0) throw new ValidationError({ 'query.cursor': 'is not a cursor of this list (start again without it)' });
    const cards: LeadCard[] = [];
    let read = 0;
    const budget = Object.keys(plan.filter).length ? options.maxRead : options.limit;
    for (; i < list.length && read < budget && cards.length < options.limit; i++, read++) if (passes(list[i]!.card, plan.filter)) cards.push(list[i]!.card);
    return { cards, read, ...(i < list.length && { nextCursor: list[i - 1]!.sort }) };
  }
}

/** The audit log in memory: newest first, a cursor is an offset. */
export class InMemoryAuditLog implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
  async list(options: { limit: number; cursor?: string | undefined }): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const from = Number(options.cursor ?? 0);
    const all = [...this.entries].reverse();
    const entries = all.slice(from, from + options.limit);
    return { entries, ...(from + options.limit < all.length && { nextCursor: String(from + options.limit) }) };
  }
}

export class InMemoryExportJobs implements ExportJobs {
  readonly jobs = new Map<string, ExportJob>();
  async create(job: ExportJob): Promise<void> {
    if (this.jobs.has(job.id)) throw new Error(`export ${job.id} exists`);
    this.jobs.set(job.id, structuredClone(job));
  }
  async get(id: string): Promise<ExportJob | undefined> {
    const job = this.jobs.get(id);
    return job && structuredClone(job);
  }
  async finish(id: string, outcome: Pick<ExportJob, 'status' | 'rows' | 'bytes' | 'truncated' | 'finishedAt' | 'error'>): Promise<void> {
    const job = this.jobs.get(id);
    if (!job || job.status === 'done') return;
    const { error: _previous, ...rest } = job;
    this.jobs.set(id, { ...rest, ...outcome });
  }
}

/** Export files held in memory, their links naming them (tests). */
export class InMemoryExportFiles implements ExportFiles {
  readonly files = new Map<string, string>();
  async write(name: string, lines: AsyncIterable<string>): Promise<{ bytes: number }> {
    let text = '';
    for await (const line of lines) text += line;
    this.files.set(name, text);
    return { bytes: Buffer.byteLength(text) };
  }
  async link(name: string, downloadAs: string, seconds: number): Promise<string> {
    return `memory://${name}?as=${encodeURIComponent(downloadAs)}&seconds=${seconds}`;
  }
}
