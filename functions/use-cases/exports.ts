import { randomBytes } from 'node:crypto';
import { ExportNotFoundError } from '../core/errors.js';
import { EXPORT_JOBS } from '../core/exports.js';
import { LIST_PAGE, type LeadCard, LeadListQuery, type ListPlan, planList } from '../core/lead-index.js';
import type { Person } from '../core/people.js';
import type { ExportJob } from '../core/ports.js';
import { asPerson, audited, siteFor } from './console.js';
import type { Deps } from './deps.js';

/**
 * CSV exports of the console's lead lists: one answer for a list of up to {@link CSV_LIMITS}.rows leads,
 * and a background job for any longer one (queued, written to a file page by page, downloaded by a link
 * that expires). Both write the same rows from the same index, in the list's order.
 */

/** Most leads one CSV answer carries, and most index entries it reads to find them (a Lambda answers within 10 s, 6 MB). */
export const CSV_LIMITS = { rows: 10_000, read: 50_000 } as const;

const CSV_COLUMNS = [
  'leadId',
  'email',
  'name',
  'company',
  'stage',
  'score',
  'createdAt',
  'forms',
  'source',
  'medium',
  'campaign',
  'consent',
  'claimedBy',
  'notAFit',
] as const;

/** One CSV cell (RFC 4180), safe to open in a spreadsheet. */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let s = Array.isArray(value) ? value.join(' ') : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvRow = (card: LeadCard) => `${CSV_COLUMNS.map((c) => csvCell(card[c])).join(',')}\r\n`;

/**
 * A list's CSV, a line at a time (the header first), read a page at a time: never more than one page of
 * cards in memory. Stops after `rows` leads or `read` index entries; `outcome` says how many it wrote and
 * whether the list went on. Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
 * return first) are prefixed with `'` (OWASP's CSV injection advice): an address is data, never a formula.
 */
export function csvLines(deps: Pick<Deps, 'leadIndex'>, siteId: string, plan: ListPlan, limits: { rows: number; read: number }) {
  const outcome = { rows: 0, truncated: false };
  async function* lines(): AsyncGenerator<string> {
    yield `${CSV_COLUMNS.join(',')}\r\n`;
    let cursor: string | undefined;
    let read = 0;
    do {
      const page = await deps.leadIndex.page(siteId, plan, { limit: Math.min(LIST_PAGE.max, limits.rows - outcome.rows), maxRead: LIST_PAGE.maxRead, cursor });
      for (const card of page.cards) yield csvRow(card);
      outcome.rows += page.cards.length;
      read += page.read;
      cursor = page.nextCursor;
      outcome.truncated ||= page.incomplete === true;
      // A search reads one page of each list: there is no next page.
      if (plan.lists.length > 1) break;
    } while (cursor && outcome.rows < limits.rows && read < limits.read);
    outcome.truncated ||= cursor !== undefined;
  }
  return { lines: lines(), outcome };
}

/**
 * A CSV of a filtered list (the same filters, order and index as the list), in one answer: at most
 * {@link CSV_LIMITS}.rows leads; `truncated` when the list goes on (export it in the background). Audited.
 * @throws ValidationError naming `query.site`
 */
export async function exportLeadsCsv(
  deps: Pick<Deps, 'config' | 'leadIndex' | 'audit' | 'clock'>,
  person: Person,
  query: LeadListQuery,
): Promise<{ siteId: string; csv: string; rows: number; truncated: boolean }> {
  const siteId = siteFor(deps, person, query.site);
  const { lines, outcome } = csvLines(deps, siteId, planList(asPerson(person, query)), CSV_LIMITS);
  let csv = '';
  for await (const line of lines) csv += line;
  const detail = { rows: String(outcome.rows), ...(outcome.truncated && { truncated: 'true' }) };
  await audited(deps, person, { action: 'leads.export-csv', siteId, detail }, undefined);
  return { siteId, csv, ...outcome };
}

type JobDeps = Pick<Deps, 'config' | 'exports' | 'exportQueue' | 'audit' | 'clock'>;

/** What a job shows its owner: its state, and once done a fresh download link (while the file is kept). */
export type ExportView = Omit<ExportJob, 'by'> & { url?: string; expired?: true };

/**
 * Queue an export of a whole filtered list (any length, up to {@link EXPORT_JOBS}.rows). The filters are
 * checked now, so a bad one is a 400 here and never a failed job. Audited when asked for (a person's data
 * is about to leave the system). @throws ValidationError
 */
export async function startLeadsExport(deps: JobDeps, person: Person, query: LeadListQuery): Promise<ExportView> {
  const siteId = siteFor(deps, person, query.site);
  planList(query);
  const { cursor: _cursor, limit: _limit, ...filters } = asPerson(person, query);
  const job: ExportJob = {
    id: randomBytes(16).toString('base64url'),
    siteId,
    query: { ...filters, site: siteId },
    by: { sub: person.sub, ...(person.email && { email: person.email }) },
    createdAt: deps.clock.now().toISOString(),
    status: 'queued',
  };
  await deps.exports.create(job);
  await deps.exportQueue.enqueue({ exportId: job.id });
  await audited(deps, person, { action: 'leads.export-start', siteId, detail: { exportId: job.id } }, undefined);
  return viewOf(job);
}

/**
 * An export, to the person who asked for it (anyone else: not found), with a download link once written.
 * @throws ExportNotFoundError
 */
export async function leadsExport(deps: Pick<Deps, 'exports' | 'exportFiles' | 'clock'>, person: Person, exportId: string): Promise<ExportView> {
  const job = await deps.exports.get(exportId);
  if (!job || job.by.sub !== person.sub) throw new ExportNotFoundError();
  if (job.status !== 'done') return viewOf(job);
  if (deps.clock.now().getTime() - Date.parse(job.finishedAt ?? job.createdAt) > EXPORT_JOBS.keepHours * 3_600_000) return { ...viewOf(job), expired: true };
  const url = await deps.exportFiles.link(fileOf(job), `leads-${job.siteId}-${job.createdAt.slice(0, 10)}.csv`, EXPORT_JOBS.linkSeconds);
  return { ...viewOf(job), url };
}

/**
 * Write an export's file (the export function, for each queued job). Safe to run again: the file is
 * written whole again, and a done job stays done. A failure is thrown for the queue to retry; on the last
 * try (`finalAttempt`) it is first recorded on the job, so its owner sees it failed (the message goes on to
 * the dead-letter queue: redriven, it runs again and a success replaces the failure).
 */
export async function runLeadsExport(
  deps: Pick<Deps, 'exports' | 'exportFiles' | 'leadIndex' | 'clock'>,
  exportId: string,
  options: { finalAttempt: boolean },
): Promise<ExportJob['status'] | 'missing'> {
  const job = await deps.exports.get(exportId);
  if (!job) return 'missing';
  if (job.status === 'done') return 'done';
  try {
    const { lines, outcome } = csvLines(deps, job.siteId, planList(LeadListQuery.parse(job.query)), { rows: EXPORT_JOBS.rows, read: Number.POSITIVE_INFINITY });
    const { bytes } = await deps.exportFiles.write(fileOf(job), lines);
    const finishedAt = deps.clock.now().toISOString();
    await deps.exports.finish(job.id, { status: 'done', rows: outcome.rows, bytes, finishedAt, ...(outcome.truncated && { truncated: true }) });
    return 'done';
  } catch (error) {
    if (options.finalAttempt)
      await deps.exports.finish(job.id, {
        status: 'failed',
        finishedAt: deps.clock.now().toISOString(),
        error: 'the export could not be written; start it again',
      });
    throw error;
  }
}

const fileOf = (job: ExportJob) => `${job.id}.csv`;
const viewOf = ({ by: _by, ...job }: ExportJob): ExportView => job;
