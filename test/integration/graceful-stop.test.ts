import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { keys } from '../../functions/adapters/dynamo/keys.js';
import { emailKey } from '../../functions/core/email.js';
import { startFunnel } from '../../local/runtime.js';
import { aSubmission, testConfigFn } from '../support/builders.js';
import { freshTable } from '../support/dynamo.js';

/**
 * A gate in front of DynamoDB Local: it forwards every request, except that it holds the first
 * TransactWriteItems of a capture (the one writing a `SUB#` item) until the test opens it. So "a request in flight" is a state the
 * test creates, not a race it hopes to win.
 */
async function gate(target: string) {
  const upstream = new URL(target);
  let held: (() => void) | undefined;
  let arrived: () => void = () => undefined;
  const holding = new Promise<void>((ok) => (arrived = ok));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const forward = () => {
        const out = request({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        out.on('error', () => res.writeHead(502).end());
        out.end(Buffer.concat(chunks));
      };
      // A capture's transaction writes its submission (`SUB#`); others (the dev API key at start) pass.
      if (!held && String(req.headers['x-amz-target']).endsWith('.TransactWriteItems') && Buffer.concat(chunks).includes('SUB#')) {
        held = forward;
        arrived();
      } else forward();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    holding,
    open: () => held?.(),
    stop: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

describe('Stopping the local funnel (SIGTERM, SIGINT, Ctrl-C)', () => {
  it('stops accepting at once, and answers the request in flight (its write stored) before it closes', { timeout: 120_000 }, async () => {
    // Prepare: a submission whose write is held in flight
    const table = await freshTable();
    const proxy = await gate(table.endpoint);
    const funnel = await startFunnel({
      port: 0,
      dynamoEndpoint: proxy.endpoint,
      tableName: table.tableName,
      rawConfig: testConfigFn(),
      logLevel: 'silent',
      dueCheckIntervalMs: 0,
    });
    const email = 'in.flight@acme.com';
    const inFlight = fetch(`${funnel.url}/v1/forms/ebook/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: funnel.url },
      body: JSON.stringify(aSubmission().withEmail(email).build()),
    });
    await proxy.holding;
    // Act: stop (as the signal handler does), then knock again
    const stopped = funnel.stop();
    const late = await fetch(`${funnel.url}/health`).then(
      (r) => `answered ${r.status}`,
      (e: Error & { cause?: { code?: string } }) => e.cause?.code ?? e.message,
    );
    proxy.open();
    const answer = await inFlight;
    await stopped;
    await proxy.stop();
    // Assess: the new request was refused at once; the one in flight got its answer, and its lead is stored
    expect(late).toBe('ECONNREFUSED');
    expect(answer.status).toBe(202);
    const { Item } = await table.doc.send(new GetCommand({ TableName: table.tableName, Key: keys.lead('demo', emailKey(email)) }));
    expect(Item?.email).toBe(email);
  });
});
