import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemoryExportFiles } from '../../functions/adapters/memory.js';
import { emailKey } from '../../functions/core/email.js';
import { ExportNotFoundError, ValidationError } from '../../functions/core/errors.js';
import { EXPORT_JOBS } from '../../functions/core/exports.js';
import { type LeadCard, LeadListQuery } from '../../functions/core/lead-index.js';
import type { Person } from '../../functions/core/people.js';
import type { ExportFiles, LeadIndex, ListPage } from '../../functions/core/ports.js';
import { refreshLeadIndex } from '../../functions/use-cases/lead-index.js';
import { CSV_LIMITS, exportLeadsCsv, leadsExport, runLeadsExport, startLeadsExport } from '../../functions/use-cases/exports.js';
import { submitForm } from '../../functions/use-cases/submit-form.js';
import { LocalExportFiles } from '../../local/export-files.js';
import { aSubmission, cloneSite, fakeDeps, ORIGIN, testConfig } from '../support/builders.js';

/** Issue 23 (CSV export of any filtered list): one answer for a short list, a background job for a long one. */
const MARKETER: Person = { sub: 'm1', email: 'mo@acme.test', roles: ['marketer'], siteIds: ['*'] };
const OTHER: Person = { sub: 'm2', email: 'max@acme.test', roles: ['marketer'], siteIds: ['*'] };

async function withLeads(n: number) {
  const fake = fakeDeps({ rawConfig: testConfig((c) => void c.sites.push(cloneSite(c.sites[0]!, 'other'))) });
  for (let i = 0; i < n; i++) {
    const email = `lead${i}@acme.com`;
    await submitForm(fake.deps, { formId: 'ebook', body: aSubmission().withEmail(email).build(), origin: ORIGIN, clientIp: `203.0.113.${i}` });
    await refreshLeadIndex(fake.deps, { siteId: 'demo', emailKey: emailKey(email) });
  }
  return fake;
}

/**
 * A list of `total` leads, newest first, served as the table serves it (pages of at most `limit`, a
 * cursor), counting the pages asked for: a long list without the cost of building one in memory.
 */
function longList(total: number): LeadIndex & { pagesRead: number } {
  const card = (i: number): LeadCard => ({
    leadId: `lead-${i}`,
    email: `lead${i}@acme.com`,
    stage: 'lead',
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    forms: ['ebook'],
    consent: 'granted',
  });
  return {
    pagesRead: 0,
    refresh: async () => 0,
    async page(_site, _plan, { limit, cursor }): Promise<ListPage> {
      this.pagesRead++;
      const from = cursor ? Number(cursor) : 0;
      const to = Math.min(total, from + limit);
      const cards = Array.from({ length: to - from }, (_, k) => card(from + k));
      return { cards, read: cards.length, ...(to < total && { nextCursor: String(to) }) };
    },
  };
}

describe('CSV exports: one answer up to 10,000 leads, a background job beyond', () => {
  it('queues an export of the whole filtered list, audited, and shows it to the person who asked only', async () => {
    const fake = await withLeads(3);
    const job = await startLeadsExport(fake.deps, MARKETER, LeadListQuery.parse({ site: 'demo', consent: 'granted', cursor: 'x', limit: '5' }));
    expect(job).toMatchObject({ status: 'queued', siteId: 'demo', query: { site: 'demo', consent: 'granted', sort: 'newest' } });
    expect(job.query).not.toHaveProperty('cursor');
    expect(fake.exportQueue).toEqual([{ exportId: job.id }]);
    expect((fake.deps.audit as unknown as { entries: unknown[] }).entries.at(-1)).toMatchObject({
      action: 'leads.export-start',
      actor: { sub: 'm1' },
      detail: { exportId: job.id },
    });
    await expect(leadsExport(fake.deps, MARKETER, job.id)).resolves.toMatchObject({ status: 'queued' });
    await expect(leadsExport(fake.deps, OTHER, job.id)).rejects.toBeInstanceOf(ExportNotFoundError);
    await expect(leadsExport(fake.deps, MARKETER, 'no-such-export')).rejects.toBeInstanceOf(ExportNotFoundError);
  });

  it('checks the filters when asked (a 400 then, never a failed job later), and a site the person may not see', async () => {
    const fake = await withLeads(1);
    await expect(startLeadsExport(fake.deps, MARKETER, LeadListQuery.parse({ site: 'demo', minScore: '9', maxScore: '1' }))).rejects.toBeInstanceOf(
      ValidationError,
    );
    const limited: Person = { ...MARKETER, siteIds: ['other'] };
    await expect(startLeadsExport(fake.deps, limited, LeadListQuery.parse({ site: 'demo' }))).rejects.toMatchObject({
      fields: { 'query.site': 'no site "demo"' },
    });
    expect(fake.exportQueue).toEqual([]);
  });

  it('writes the same rows as the one-answer CSV, then links to the file for 15 minutes, for a day', async () => {
    const fake = await withLeads(4);
    const query = LeadListQuery.parse({ site: 'demo' });
    const job = await startLeadsExport(fake.deps, MARKETER, query);
    await expect(runLeadsExport(fake.deps, job.id, { finalAttempt: false })).resolves.toBe('done');
    const files = fake.deps.exportFiles as InMemoryExportFiles;
    expect(files.files.get(`${job.id}.csv`)).toBe((await exportLeadsCsv(fake.deps, MARKETER, query)).csv);
    const done = await leadsExport(fake.deps, MARKETER, job.id);
    expect(done).toMatchObject({ status: 'done', rows: 4, url: expect.stringContaining(`${job.id}.csv`) });
    expect(done.url).toContain(`seconds=${EXPORT_JOBS.linkSeconds}`);
    expect(done.truncated).toBeUndefined();
    fake.clock.advance((EXPORT_JOBS.keepHours * 60 + 1) * 60_000);
    const later = await leadsExport(fake.deps, MARKETER, job.id);
    expect(later).toMatchObject({ status: 'done', expired: true });
    expect(later.url).toBeUndefined();
  });

  it('exports every lead of a list past 10,000 in the background, where one answer stops at 10,000', async () => {
    const fake = fakeDeps();
    fake.deps.leadIndex = longList(25_000);
    const query = LeadListQuery.parse({});
    const one = await exportLeadsCsv(fake.deps, MARKETER, query);
    expect(one).toMatchObject({ rows: CSV_LIMITS.rows, truncated: true });
    const job = await startLeadsExport(fake.deps, MARKETER, query);
    await runLeadsExport(fake.deps, job.id, { finalAttempt: false });
    const csv = (fake.deps.exportFiles as InMemoryExportFiles).files.get(`${job.id}.csv`)!;
    const lines = csv.trimEnd().split('\r\n');
    expect(lines).toHaveLength(25_001);
    expect(lines.at(-1)).toMatch(/^lead-24999,lead24999@acme.com,/);
    await expect(leadsExport(fake.deps, MARKETER, job.id)).resolves.toMatchObject({ rows: 25_000 });
  });

  it('streams: the file has every line written before the next page of the list is read (memory stays flat at 100,000 leads)', async () => {
    const fake = fakeDeps();
    const list = longList(100_000);
    fake.deps.leadIndex = list;
    let lines = 0;
    let mostPagesAhead = 0;
    let bytes = 0;
    // A file that keeps nothing and checks, at each line, that the list was read no further than the line's page.
    const sink: ExportFiles = {
      async write(_name, source) {
        for await (const line of source) {
          bytes += line.length;
          const pagesNeeded = Math.ceil(lines / 100);
          mostPagesAhead = Math.max(mostPagesAhead, list.pagesRead - pagesNeeded);
          lines++;
        }
        return { bytes };
      },
      link: async () => 'unused',
    };
    fake.deps.exportFiles = sink;
    const job = await startLeadsExport(fake.deps, MARKETER, LeadListQuery.parse({}));
    await runLeadsExport(fake.deps, job.id, { finalAttempt: false });
    expect(lines).toBe(100_001);
    expect(list.pagesRead).toBe(1000);
    expect(mostPagesAhead).toBeLessThanOrEqual(1);
    await expect(leadsExport({ ...fake.deps, exportFiles: new InMemoryExportFiles() }, MARKETER, job.id)).resolves.toMatchObject({ rows: 100_000, bytes });
  });

  it('is safe to run again: a done export stays done; a failure is retried, recorded on the last try, and a redrive may still finish it', async () => {
    const fake = await withLeads(2);
    const job = await startLeadsExport(fake.deps, MARKETER, LeadListQuery.parse({ site: 'demo' }));
    const files = fake.deps.exportFiles;
    let failing = true;
    fake.deps.exportFiles = {
      write: (name, lines) => (failing ? Promise.reject(new Error('S3 is down')) : files.write(name, lines)),
      link: (...a) => files.link(...a),
    };
    await expect(runLeadsExport(fake.deps, job.id, { finalAttempt: false })).rejects.toThrow('S3 is down');
    await expect(leadsExport(fake.deps, MARKETER, job.id)).resolves.toMatchObject({ status: 'queued' });
    await expect(runLeadsExport(fake.deps, job.id, { finalAttempt: true })).rejects.toThrow('S3 is down');
    await expect(leadsExport(fake.deps, MARKETER, job.id)).resolves.toMatchObject({ status: 'failed', error: expect.stringContaining('start it again') });
    failing = false;
    await expect(runLeadsExport(fake.deps, job.id, { finalAttempt: false })).resolves.toBe('done');
    const done = await leadsExport(fake.deps, MARKETER, job.id);
    expect(done).toMatchObject({ status: 'done', rows: 2 });
    expect(done.error).toBeUndefined();
    failing = true;
    await expect(runLeadsExport(fake.deps, job.id, { finalAttempt: true })).resolves.toBe('done');
    await expect(leadsExport(fake.deps, MARKETER, job.id)).resolves.toMatchObject({ status: 'done' });
    await expect(runLeadsExport(fake.deps, 'gone', { finalAttempt: true })).resolves.toBe('missing');
  });
});

describe('Local export files (the exports bucket and its presigned links, on a laptop)', () => {
  async function serving(files: LocalExportFiles) {
    const server = createServer((req, res) => files.serve(req, res));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    return { origin, close: () => new Promise<void>((ok) => server.close(() => ok())) };
  }
  async function* linesOf(...lines: string[]) {
    yield* lines;
  }

  it('downloads a file by its link, as an attachment; refuses an altered or expired link (403) and a missing file (404)', async () => {
    let now = Date.UTC(2026, 11, 7);
    let origin = '';
    const directory = mkdtempSync(join(tmpdir(), 'exports-'));
    const files = new LocalExportFiles({ directory, baseUrl: () => origin, now: () => now });
    const server = await serving(files);
    origin = server.origin;
    try {
      expect(await files.write('abc.csv', linesOf('a,b\r\n', '1,2\r\n'))).toEqual({ bytes: 10 });
      expect(readFileSync(join(directory, 'abc.csv'), 'utf8')).toBe('a,b\r\n1,2\r\n');
      const link = await files.link('abc.csv', 'leads demo.csv', 900);
      const ok = await fetch(link);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-disposition')).toBe('attachment; filename="leads_demo.csv"');
      expect(await ok.text()).toBe('a,b\r\n1,2\r\n');
      expect((await fetch(link.replace('as=leads', 'as=other'))).status).toBe(403);
      expect((await fetch(link.replace(/sig=[^&]+/, 'sig=AAAA'))).status).toBe(403);
      expect((await fetch(await files.link('missing.csv', 'x.csv', 900))).status).toBe(404);
      expect((await fetch(await files.link('../etc/passwd', 'x.csv', 900))).status).toBe(404);
      now += 901_000;
      expect((await fetch(link)).status).toBe(403);
    } finally {
      await server.close();
    }
  });

  it('never serves half a file: a write that fails leaves the previous file as it was', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'exports-'));
    const files = new LocalExportFiles({ directory, baseUrl: () => '' });
    await files.write('j.csv', linesOf('old\r\n'));
    async function* broken() {
      yield 'new\r\n';
      throw new Error('the table went away');
    }
    await expect(files.write('j.csv', broken())).rejects.toThrow('the table went away');
    expect(readFileSync(join(directory, 'j.csv'), 'utf8')).toBe('old\r\n');
  });
});
