import { PermanentMailError, TransientMailError } from '../core/errors.js';
import type { MailJob, MailQueue, Mailer, OutgoingEmail } from '../core/ports.js';

/**
 * A mail provider that keeps what it is given: a real implementation of the port, for tests that assert
 * on the outbox instead of mocking SES. `failNext` scripts failures (throttling, a refused address).
 */
export class InMemoryMailer implements Mailer {
  readonly outbox: (OutgoingEmail & { messageId: string })[] = [];
  private readonly failures: ('transient' | 'permanent')[] = [];
  /** Every call, including the failed ones. */
  calls = 0;

  /** The next `times` sends fail: `transient` like SES throttling, `permanent` like a rejected address. */
  failNext(kind: 'transient' | 'permanent', times = 1): this {
    for (let i = 0; i < times; i++) this.failures.push(kind);
    return this;
  }

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    this.calls++;
    const failure = this.failures.shift();
    if (failure === 'transient') throw new TransientMailError('TooManyRequestsException (429)');
    if (failure === 'permanent') throw new PermanentMailError('MessageRejected: Email address is not verified.');
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
  async enqueue(jobs: readonly MailJob[]): Promise<void> {
    this.jobs.push(...jobs);
  }
  /** Remove and return every job queued so far. */
  take(): MailJob[] {
    return this.jobs.splice(0);
  }
}
