import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/dynamo.js';
import { isAlive } from '../../local/instance.js';
import { npmStart, within as until } from '../support/npm-start.js';
import { main as queuesCli } from '../../scripts/queues.js';
import { aSubmission } from '../support/builders.js';

describe('A crash in the middle of a burst, then a restart', () => {
  it('every submission that got a 2xx gets its delivery email exactly once; Ctrl-C mid-burst dead-letters nothing', { timeout: 300_000 }, async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'funnel-crash-'));
    const port = await freePort();
    const env = { PORT: String(port), SES_PORT: String(await freePort()), FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: 'fnl_dev_crash_test_key_0123456789' };
    const url = `http://localhost:${port}`;
    const submit = async (i: number) => {
      const email = `burst-${i}@acme.com`;
      try {
        const res = await fetch(`${url}/v1/forms/ebook/submissions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: url },
          body: JSON.stringify(aSubmission().withEmail(email).build()),
        });
        return { email, ok: res.ok };
      } catch {
        return { email, ok: false };
      }
    };
    /**
     * A burst that is still going when it is interrupted, however slow the machine: eight senders keep a
     * submission in flight each until `stop()`; `accepted` counts the 2xx answers so far.
     */
    const burst = (first: number) => {
      let stopped = false;
      const answers: { email: string; ok: boolean }[] = [];
      const sender = async (lane: number) => {
        for (let i = first + lane; !stopped && i < first + 400; i += 8) answers.push(await submit(i));
      };
      const senders = Array.from({ length: 8 }, (_, lane) => sender(lane));
      return {
        accepted: () => answers.filter((a) => a.ok).length,
        stop: async () => {
          stopped = true;
          await Promise.all(senders);
          return answers;
        },
      };
    };

    // Act 1: a burst, and kill -9 of the funnel once ten were accepted, with eight more in flight
    const first = await npmStart(env, { detached: true });
    const burst1 = burst(0);
    expect(await until(60_000, () => burst1.accepted() >= 10)).toBe(true);
    process.kill(first.lock.pid, 'SIGKILL');
    const answers = await burst1.stop();
    await first.exited;
    const accepted = answers.filter((a) => a.ok).map((a) => a.email);
    expect(accepted.length).toBeGreaterThanOrEqual(10);

    // Act 2: restart; the queues and the stream resume, a claim the dead sender left is taken over after its lease
    const second = await npmStart(env, { detached: true });
    const deliveries = async (email: string) => {
      const res = await fetch(`${url}/v1/leads?email=${encodeURIComponent(email)}`, { headers: { authorization: `Bearer ${env.FUNNEL_API_KEY}` } });
      if (!res.ok) return -1;
      const lead = (await res.json()) as { timeline: { type: string; kind?: string }[] };
      return lead.timeline.filter((e) => e.type === 'email_sent' && e.kind === 'delivery').length;
    };
    // Within the 60 s lease plus the queue's retries (docs/nurture.md has the timing argument)
    const allDelivered = await until(150_000, async () => (await Promise.all(accepted.map(deliveries))).every((n) => n >= 1));

    // Assess: every accepted submission stored with its delivery sent once; nothing dead-lettered
    expect(allDelivered).toBe(true);
    expect(await Promise.all(accepted.map(deliveries))).toEqual(accepted.map(() => 1));
    const listed: string[] = [];
    expect(
      await queuesCli(
        ['list'],
        (l) => listed.push(l),
        (l) => listed.push(l),
        { FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: env.FUNNEL_API_KEY },
      ),
    ).toBe(0);
    expect(listed.filter((l) => l.startsWith('dead letter'))).toEqual([]);
    expect(listed.slice(2).map((l) => l.split(' | ')[0])).toEqual([
      '| funnel-send',
      '| funnel-mail-events',
      '| funnel-webhooks',
      '| funnel-exports',
      '| lead-activity-stream',
    ]);
    const redriven: string[] = [];
    expect(
      await queuesCli(
        ['redrive', 'funnel-send'],
        (l) => redriven.push(l),
        (l) => redriven.push(l),
        { FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: env.FUNNEL_API_KEY },
      ),
    ).toBe(0);
    expect(redriven).toEqual(['funnel-send: 0 dead letter(s) handed back to the consumer.']);
    const wrongKey: string[] = [];
    await expect(
      queuesCli(
        ['list'],
        (l) => wrongKey.push(l),
        (l) => wrongKey.push(l),
        { FUNNEL_DATA_DIR: dataDir, FUNNEL_API_KEY: 'fnl_dev_wrong' },
      ),
    ).rejects.toThrow('401: The dev API key is required');

    // Act 3: a burst again, and Ctrl-C from the terminal (SIGINT to the whole process group) in the middle
    const burst2 = burst(1000);
    expect(await until(60_000, () => burst2.accepted() >= 5)).toBe(true);
    process.kill(-second.child.pid!, 'SIGINT');
    await burst2.stop();
    await second.exited;
    // Assess: it stopped in order, nothing was dead-lettered for want of the database
    expect(second.out()).not.toContain('dead letter');
    expect(await until(5_000, () => !isAlive(second.lock.pid))).toBe(true);
  });
});
