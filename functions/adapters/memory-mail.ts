import { PermanentMailError, SenderNotReadyError, TransientMailError } from '../core/errors.js';
import type { MailJob, MailQueue, Mailer, OutgoingEmail } from '../core/ports.js';

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
