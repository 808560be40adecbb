import { PermanentMailError, SenderNotReadyError, TransientMailError } from '../core/errors.js';
import type { MailAccount, MailAccountState, MailJob, MailQueue, Mailer, OutgoingEmail, SenderIdentity, SuppressedAddress } from '../core/ports.js';

/**
 * A mail provider that keeps what it is given: a real implementation of the port, for tests that assert
 * on the outbox instead of mocking SES. `failNext` scripts failures (throttling, a refused address).
 */
export class InMemoryMailer implements Mailer {
  readonly outbox: (OutgoingEmail & { messageId: string })[] = [];
  private readonly failures: ('transient' | 'permanent' | 'not-ready')[] = [];
  /** Every call, including the failed ones. */
  calls = 0;

  /**
   * The next `times` sends fail: `transient` like SES throttling, `permanent` like a rejected address,
   * `not-ready` like a sender whose domain is not verified yet.
   */
  failNext(kind: 'transient' | 'permanent' | 'not-ready', times = 1): this {
    for (let i = 0; i < times; i++) this.failures.push(kind);
    return this;
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    this.calls++;
    const failure = this.failures.shift();
    if (failure === 'transient') throw new TransientMailError('TooManyRequestsException (429)');
    if (failure === 'permanent') throw new PermanentMailError('MessageRejected: Illegal address');
    if (failure === 'not-ready') throw new SenderNotReadyError('MessageRejected: Email address is not verified.');
    const messageId = `msg-${this.outbox.length + 1}`;
    this.outbox.push({ ...email, messageId });
    return { messageId };
  }

  /** Emails sent to this address, oldest first. */
  to(address: string): (OutgoingEmail & { messageId: string })[] {
    return this.outbox.filter((e) => e.to === address);
  }
}

/** A queue that only collects jobs; tests hand them to the sender themselves (`take()`). */
export class InMemoryMailQueue implements MailQueue {
  readonly jobs: MailJob[] = [];
  /** The delay each job was queued with (0 for none), in the order of `jobs`. */
  readonly delays: number[] = [];
  async enqueue(jobs: readonly MailJob[], options: { delaySeconds?: number } = {}): Promise<void> {
    this.jobs.push(...jobs);
    this.delays.push(...jobs.map(() => options.delaySeconds ?? 0));
  }
  /** Remove and return every job queued so far. */
  take(): MailJob[] {
    this.delays.splice(0);
    return this.jobs.splice(0);
  }
}

/**
 * A mail account without SES: the local emulator's (no sandbox, no quota, every sender domain taken as
 * verified: the emulator sends nothing out) with a suppression list shared with whoever fills it (the
 * local SES events do, as SES's account-level suppression does).
 */
export class InMemoryMailAccount implements MailAccount {
  constructor(readonly list: Map<string, { reason: SuppressedAddress['reason']; at: string }> = new Map()) {}

  async state(): Promise<MailAccountState> {
    return { emulator: true, sandbox: false, sendingEnabled: true, suppressionReasons: ['BOUNCE', 'COMPLAINT'] };
  }

  async identities(domains: readonly string[]): Promise<SenderIdentity[]> {
    return domains.map((domain) => ({ domain, verified: true }));
  }

  async suppressed(query: { address?: string; next?: string }): Promise<{ entries: SuppressedAddress[]; next?: string }> {
    const all = [...this.list].map(([address, e]) => ({ address, ...e })).sort((a, b) => b.at.localeCompare(a.at));
    const found = query.address ? all.filter((e) => e.address === query.address!.toLowerCase()) : all;
    const start = Number(query.next ?? 0);
    return { entries: found.slice(start, start + 50), ...(found.length > start + 50 && { next: String(start + 50) }) };
  }

  async unsuppress(address: string): Promise<boolean> {
    return this.list.delete(address.toLowerCase());
  }
}
