import { resolveConfig, localEnv } from '../functions/core/config.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import rawConfig from '../test/support/config.js';
import { HttpWebhookSender } from '../functions/adapters/webhooks/http-sender.js';
import { signWebhook } from '../functions/adapters/webhooks/signer.js';
import type { FunnelConfigInput } from '../functions/core/config.js';
import { emailKey } from '../functions/core/email.js';
import { startDynamoLocal } from '../local/dynamo.js';
import { startFunnel } from '../local/runtime.js';
import { median, percentile, printTable } from './stats.js';

// Long by design: a benchmark reads top to bottom (set up, measure, print).
/**
 * Webhook hand-off on the local runtime, against a loopback receiver that answers 200 at once:
 * 1. throughput: BENCH_WEBHOOKS_N (default 10,000) deliveries queued for as many leads, drained by the
 *    real sender (5 jobs at once, as on AWS); baseline in the same run: the same signed POSTs to the
 *    same receiver, 5 at a time, with nothing else;
 * 2. latency: from a stage change written to the table to the first delivery attempt at the receiver
 *    (table stream → lead-activity → queue → sender → POST), for BENCH_WEBHOOKS_LATENCY_N (200) leads.
 */
export async function benchWebhooks(): Promise<void> {
  const n = Number(process.env.BENCH_WEBHOOKS_N ?? 10_000);
  const latencyN = Number(process.env.BENCH_WEBHOOKS_LATENCY_N ?? 200);
  const arrivals = new Map<string, number>();
  let received = 0;
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received++;
      const email = (JSON.parse(body) as { data?: { lead?: { email?: string } } }).data?.lead?.email;
      if (email && !arrivals.has(email)) arrivals.set(email, performance.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  const url = `http://localhost:${(receiver.address() as AddressInfo).port}/hook`;
  const config: FunnelConfigInput = resolveConfig(rawConfig, localEnv());
  config.sites[0]!.webhooks = [{ id: 'bench', url, events: ['lead.qualified', 'prospect.ready', 'lead.unsubscribed'] }];
  config.sites[0]!.rateLimit = { submissions: 10_000, windowSeconds: 60 };
  const dynamo = await startDynamoLocal();
  const funnel = await startFunnel({
    port: 0,
    dynamoEndpoint: dynamo.endpoint,
    tableName: 'bench-webhooks',
    rawConfig: config,
    dueCheckIntervalMs: 0,
    logLevel: 'silent',
  });
  try {
    const { deps } = funnel;
    const body = JSON.stringify({
      type: 'prospect.ready',
      timestamp: new Date().toISOString(),
      data: { lead: { email: 'x@acme.example', profile: { firstName: 'Jane' } } },
    });
    // 1. Throughput. Deliveries written straight to the store (as the stream consumer would), then queued.
    const refs = Array.from({ length: n }, (_, i) => ({ siteId: 'demo', emailKey: emailKey(`wh${i}@acme.example`) }));
    let started = performance.now();
    for (let i = 0; i < n; i += 200) {
      await deps.webhooks.create(
        refs.slice(i, i + 200).map((ref, j) => ({
          ...ref,
          deliveryId: `msg_bench${String(i + j).padStart(8, '0')}`,
          endpointId: 'bench',
          type: 'prospect.ready',
          leadId: `lead-${i + j}`,
          eventAt: new Date().toISOString(),
          createdAt: new Date().toISOString(),
          body,
        })),
      );
    }
    console.log(`\nrecorded ${n} deliveries in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    received = 0;
    started = performance.now();
    await deps.webhookQueue.enqueue(refs.map((ref) => ({ ...ref, endpointId: 'bench' })));
    await funnel.settle();
    const pipelineSeconds = (performance.now() - started) / 1000;
    if (received !== n) throw new Error(`expected ${n} deliveries, the receiver got ${received}`);

    const sender = new HttpWebhookSender({ allowPrivateNetworks: true, allowHttp: 'localhost' });
    started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        while (next < n) {
          const i = next++;
          await sender.send({
            url,
            body,
            headers: signWebhook({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: `msg_loop${i}`, timestamp: new Date(), body }),
          });
        }
      }),
    );
    const loopSeconds = (performance.now() - started) / 1000;
    printTable(
      `Webhook deliveries: ${n} queued events to a local receiver`,
      ['', 'seconds', 'deliveries/s', 'ratio to baseline'],
      [
        ['webhook sender (queue → read pending → sign → POST → log the try)', pipelineSeconds, n / pipelineSeconds, loopSeconds / pipelineSeconds],
        ['bare signed POST loop, 5 at a time (baseline)', loopSeconds, n / loopSeconds, 1],
      ],
    );

    // 2. Latency from qualification to the first attempt.
    const latencies: number[] = [];
    for (let i = 0; i < latencyN; i++) {
      const email = `lat${i}@acme.example`;
      await fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: funnel.url },
        body: JSON.stringify({ fields: { email, firstName: 'Jane' }, consent: { marketing: false }, startedAt: Date.now() - 10_000 }),
      });
      await funnel.settle();
      const ref = { siteId: 'demo', emailKey: emailKey(email) };
      const t0 = performance.now();
      await deps.leads.saveScore(ref, {
        score: { fit: 30, engagement: 60, total: 90, rulesVersion: 'bench', computedAt: new Date().toISOString(), breakdown: [] },
        change: { type: 'stage_changed', at: new Date().toISOString(), from: 'lead', to: 'sql', total: 90, fit: 30, rulesVersion: 'bench' },
      });
      while (!arrivals.has(email)) await new Promise((ok) => setTimeout(ok, 2));
      latencies.push(arrivals.get(email)! - t0);
    }
    printTable(
      `Qualification → first delivery attempt on the local runtime (n=${latencyN})`,
      ['', 'p50 ms', 'p99 ms'],
      [['stage change written → POST at the receiver', median(latencies), percentile(latencies, 99)]],
    );
    console.log('(locally the table stream is polled every 100 ms; on AWS, Lambda polls the stream about 4 times a second)');
  } finally {
    await funnel.stop();
    await dynamo.stop();
    receiver.closeAllConnections();
    receiver.close();
  }
}
