import { LocalPeopleDirectory } from '../../local/people.js';
import { InMemoryMetrics } from '../../functions/adapters/metrics.js';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import rawConfig from './config.js';
import {
  FakeClock,
  InMemoryApiKeyStore,
  InMemoryAuditLog,
  InMemoryExportFiles,
  InMemoryExportJobs,
  InMemoryLeadIndex,
  InMemoryDueChecks,
  InMemoryFormStats,
  InMemoryEmailStats,
  InMemoryLeadRepository,
  InMemoryNurtureStore,
} from '../../functions/adapters/memory.js';
import { FixedWindowRateLimiter } from '../../functions/adapters/system.js';
import { LateCeiling } from '../../functions/core/rate-limit.js';
import { HmacMailLinks } from '../../functions/adapters/mail-links.js';
import { InMemoryMailAccount, InMemoryMailer, InMemoryMailQueue } from '../../functions/adapters/memory-mail.js';
import { unthrottled } from '../../functions/adapters/throttle.js';
import { HmacVisitorTokens } from '../../functions/adapters/visitor-tokens.js';
import { HmacImpressionProofs } from '../../functions/adapters/impression-proofs.js';
import { type AppDeps, NO_ONE } from '../../functions/composition.js';
import { ConfigIndex, localEnv, parseConfig, resolveConfig, type ConfigEnv, type FunnelConfigInput } from '../../functions/core/config.js';
import {
  InMemoryProspectStore,
  InMemoryWebhookQueue,
  InMemoryWebhookStore,
  RecordingTransport,
  RecordingDestinations,
  StaticWebhookSecrets,
} from '../../functions/adapters/memory-webhooks.js';
import { jsonLogger } from '../../functions/adapters/logger.js';
import { hashApiKey } from '../../functions/use-cases/read-leads.js';
import { emailKey } from '../../functions/core/email.js';
import type { LeadRepository } from '../../functions/core/ports.js';

export const ORIGIN = 'http://localhost:3000';
export const API_KEY = 'fnl_test_0123456789abcdefghij';
export const TOKEN_SECRET = 'test-visitor-token-secret';
/** The signing secret of every webhook endpoint in tests (Standard Webhooks format). */
export const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** The demo config, optionally changed: `testConfig((c) => { c.sites[0].forms[0].doubleOptIn = true })`. */
export function testConfig(change?: (config: FunnelConfigInput) => void): FunnelConfigInput {
  const copy = resolveConfig(rawConfig, localEnv());
  change?.(copy);
  return copy;
}

/**
 * {@link testConfig} as a config function, for a runtime on a port not known in advance (`port: 0`): its
 * links and the demo receiver follow the URL the runtime gets, as the shipped config's do.
 */
export const testConfigFn =
  (change?: (config: FunnelConfigInput) => void) =>
  (env: ConfigEnv): FunnelConfigInput => {
    const copy = resolveConfig(rawConfig, env);
    change?.(copy);
    return copy;
  };

type SiteInput = FunnelConfigInput['sites'][number];

/**
 * A copy of a site under another id, its forms renamed `<id>-<form>` (form ids are global) and every
 * reference to them (sequence exits, scoring rules) renamed alike.
 * @example c.sites.push(cloneSite(c.sites[0]!, 'other')) // forms other-ebook, other-trial
 */
export function cloneSite(site: SiteInput, id: string): SiteInput {
  const copy = structuredClone(site);
  const rename = (formId: string) => `${id}-${formId}`;
  copy.id = id;
  for (const form of copy.forms) {
    form.id = rename(form.id);
    const exit = form.email?.sequence?.exit;
    if (exit?.formsSubmitted) exit.formsSubmitted = exit.formsSubmitted.map(rename);
  }
  for (const rule of copy.scoring?.engagement ?? []) if (rule.when.event === 'form_submitted' && rule.when.formId) rule.when.formId = rename(rule.when.formId);
  return copy;
}

/** The public API's base URL in tests: links in emails point at it. */
export const PUBLIC_API_URL = 'https://api.test';

/**
 * Use-case dependencies with in-memory adapters, a fake clock and one API key for every site. The nurture
 * store shares the lead repository's leads and due checks (as they share the table); the mailer keeps an
 * outbox and the mail queue collects jobs (`queue.take()`).
 */
export function fakeDeps(options: { rawConfig?: FunnelConfigInput } = {}) {
  const clock = new FakeClock();
  const due = new InMemoryDueChecks();
  const rateLimiter = new FixedWindowRateLimiter(clock);
  const leads = new InMemoryLeadRepository(due, rateLimiter);
  const nurture = new InMemoryNurtureStore(leads, due);
  const mailer = new InMemoryMailer();
  const queue = new InMemoryMailQueue();
  const webhooks = new InMemoryWebhookStore(due);
  const webhookQueue = new InMemoryWebhookQueue();
  const webhookTransport = new RecordingTransport();
  const destinations = new RecordingDestinations();
  const apiKeys = new InMemoryApiKeyStore();
  const metrics = new InMemoryMetrics();
  const emailStats = new InMemoryEmailStats();
  apiKeys.keys.set(hashApiKey(API_KEY), { name: 'test', siteIds: ['*'] });
  let n = 0;
  const exportQueue: { exportId: string }[] = [];
  const deps: AppDeps = {
    config: new ConfigIndex(parseConfig(options.rawConfig ?? rawConfig, localEnv())),
    clock,
    ids: { newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}` },
    leads,
    apiKeys,
    rateLimiter,
    formCeiling: new LateCeiling(rateLimiter, clock),
    eventRateLimiter: new FixedWindowRateLimiter(clock),
    visitorTokens: new HmacVisitorTokens({ secret: async () => TOKEN_SECRET, clock }),
    impressionProofs: new HmacImpressionProofs(async () => TOKEN_SECRET),
    due,
    stats: new InMemoryFormStats(),
    nurture,
    mailer,
    mailLinks: new HmacMailLinks({ secret: async () => TOKEN_SECRET, clock, baseUrl: PUBLIC_API_URL }),
    mailQueue: queue,
    sendThrottle: unthrottled,
    mailCaps: new FixedWindowRateLimiter(clock),
    emailStats,
    mailAccount: new InMemoryMailAccount(),
    webhooks,
    webhookQueue,
    webhookSecrets: new StaticWebhookSecrets(WEBHOOK_SECRET),
    webhookTransport,
    destinations,
    prospects: new InMemoryProspectStore(leads, nurture, webhooks),
    people: NO_ONE,
    leadIndex: new InMemoryLeadIndex(),
    audit: new InMemoryAuditLog(),
    exports: new InMemoryExportJobs(),
    exportQueue: { enqueue: async (job) => void exportQueue.push(job) },
    exportFiles: new InMemoryExportFiles(),
    directory: new LocalPeopleDirectory(),
    log: jsonLogger('silent'),
    metrics,
  };
  return { deps, clock, leads, apiKeys, due, nurture, mailer, queue, webhooks, webhookQueue, webhookTransport, destinations, metrics, exportQueue, emailStats };
}

/** {@link fakeDeps} for the mail side, with an optional config: `fakeMailDeps(testConfig((c) => …))`. */
export const fakeMailDeps = (config?: FunnelConfigInput) => fakeDeps(config ? { rawConfig: config } : {});

/** A valid submission body for the demo `ebook` form, built step by step. */
export class SubmissionBuilder {
  private body: Record<string, unknown> = {
    submissionId: randomUUID(),
    fields: { email: 'jane.doe@acme.com', firstName: 'Jane', company: 'Acme', jobTitle: 'VP Marketing' },
    consent: { marketing: true },
    // Plausible for any clock a test sets (after 2020): a submission without one is not trusted.
    startedAt: Date.UTC(2020, 0, 2),
    context: {
      pageUrl: 'https://blog.example.com/posts/funnels?utm_source=newsletter',
      referrer: 'https://www.google.com/',
      utm: { source: 'newsletter', medium: 'email', campaign: 'q4' },
    },
  };
  withEmail(email: string) {
    (this.body.fields as Record<string, string>).email = email;
    return this;
  }
  withField(name: string, value: unknown) {
    (this.body.fields as Record<string, unknown>)[name] = value;
    return this;
  }
  without(key: string) {
    delete this.body[key];
    return this;
  }
  with(key: string, value: unknown) {
    this.body[key] = value;
    return this;
  }
  build(): Record<string, unknown> {
    return structuredClone(this.body);
  }
}
export const aSubmission = () => new SubmissionBuilder();

/** An API Gateway HTTP API (v2) event, as Lambda receives it. */
export function apiEvent(
  routeKey: string,
  options: { path?: Record<string, string>; body?: string; headers?: Record<string, string>; query?: Record<string, string>; base64?: boolean } = {},
): APIGatewayProxyEventV2 {
  const [method = 'GET', template = '/'] = routeKey.split(' ');
  const rawPath = template.replace(/\{(\w+)\}/g, (_, k: string) => options.path?.[k] ?? '');
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { 'content-type': 'application/json', origin: ORIGIN, 'user-agent': 'vitest', ...options.headers },
    ...(options.query && { queryStringParameters: options.query }),
    ...(options.path && { pathParameters: options.path }),
    requestContext: {
      accountId: 'test',
      apiId: 'test',
      domainName: 'api.test',
      domainPrefix: 'api',
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: '',
      timeEpoch: 0,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'vitest' },
    },
    ...(options.body !== undefined && { body: options.body }),
    isBase64Encoded: options.base64 ?? false,
  };
}

/** The lead with this address in a site, as the API key's `GET /v1/leads?email=` finds it (a submission's answer names no lead). */
export const leadWith = (leads: Pick<LeadRepository, 'findByEmail'>, email: string, siteId = 'demo') => leads.findByEmail(siteId, emailKey(email));
