import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { makeLeadsHandler } from '../../functions/handlers/leads.js';
import { startBanner } from '../../local/banner.js';
import { apiError } from '../../scripts/cli.js';
import { API_KEY, apiEvent, cloneSite, fakeDeps, testConfig } from '../support/builders.js';

const context = { awsRequestId: 'req-1', getRemainingTimeInMillis: () => 10_000 } as Context;

/** A user who added a site as the README invites: the dev key reads both. */
const twoSites = () => testConfig((c) => c.sites.push(cloneSite(c.sites[0]!, 'blog')));

const banner = (siteIds: string[]) =>
  startBanner({
    url: 'http://localhost:3100',
    widgetBrotliBytes: 2048,
    widgetGzipBytes: 3072,
    mailViewerUrl: 'http://localhost:8005',
    dynamoEndpoint: 'http://127.0.0.1:8000',
    tableName: 'funnel',
    dataDir: '.data',
    apiKey: API_KEY,
    siteIds,
    pid: 42,
  });

/** The URL of the `curl` line `npm start` printed. */
const curlUrl = (text: string) => new URL(/curl .* "([^"]+)"/.exec(text)![1]!);

describe('What `npm start` prints works for the config as it is', () => {
  it('one site: the printed lead read answers (404 for an address nobody gave), not 400', async () => {
    const { deps } = fakeDeps({ rawConfig: testConfig() });
    const url = curlUrl(banner(['demo']));
    const res = await makeLeadsHandler(() => deps)(
      apiEvent('GET /v1/leads', { query: Object.fromEntries(url.searchParams), headers: { authorization: `Bearer ${API_KEY}` } }),
      context,
    );
    expect(res.statusCode).toBe(404);
    expect(url.searchParams.has('site')).toBe(false);
  });

  it('two sites: the printed lead read names a site and answers, the others are listed', async () => {
    // Prepare
    const { deps } = fakeDeps({ rawConfig: twoSites() });
    const text = banner(['demo', 'blog']);
    const url = curlUrl(text);
    // Act
    const res = await makeLeadsHandler(() => deps)(
      apiEvent('GET /v1/leads', { query: Object.fromEntries(url.searchParams), headers: { authorization: `Bearer ${API_KEY}` } }),
      context,
    );
    // Assess
    expect(res.statusCode).toBe(404);
    expect(url.searchParams.get('site')).toBe('demo');
    expect(text).toContain('(site demo; the others: blog)');
    // Every printed URL is one the funnel serves: no bare /v1 (it answers 404)
    expect(text).not.toMatch(/\/v1\s/);
  });

  it('without a site, the API names the sites the key reads, and a CLI shows it with the flag to pass', async () => {
    // Prepare
    const { deps } = fakeDeps({ rawConfig: twoSites() });
    const res = await makeLeadsHandler(() => deps)(
      apiEvent('GET /v1/leads', { query: { email: 'you@example.com' }, headers: { authorization: `Bearer ${API_KEY}` } }),
      context,
    );
    // Act
    const error = apiError(res.statusCode!, JSON.parse(res.body!), { 'query.site': '--site' });
    // Assess
    expect(res.statusCode).toBe(400);
    expect(error.message).toBe('400: Invalid query.site\n  query.site is required: this key reads more than one site (demo, blog): pass --site <value>');
  });
});
