import { useLocation } from 'preact-iso/router';
import { useState } from 'preact/hooks';
import { api, download, qs } from '../api.js';
import { useData } from '../data.js';
import { when } from '../format.js';
import { currentSite, may, siteId } from '../state.js';
import { Empty, ErrorNote, Loading, PageTitle, Scroll } from '../ui.js';

export interface Card {
  leadId: string;
  email: string;
  name?: string;
  company?: string;
  stage: string;
  score?: number;
  createdAt: string;
  forms: string[];
  source?: string;
  campaign?: string;
  consent: string;
  claimedBy?: string;
  notAFit?: true;
}
interface Page {
  leads: Card[];
  nextCursor?: string;
  incomplete?: true;
}

/** The filters, as the address keeps them (a filtered list is a link). */
const FILTERS = ['q', 'stage', 'owner', 'minScore', 'maxScore', 'form', 'source', 'campaign', 'consent', 'from', 'to', 'sort'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

interface ExportJob {
  id: string;
  status: 'queued' | 'done' | 'failed';
  rows?: number;
  truncated?: true;
  url?: string;
  expired?: true;
  error?: string;
}

/**
 * A whole list too long for one download: exported in the background, its state asked every two seconds
 * until its file is ready, then a link to it (good for 15 minutes; asking again gives a new one).
 */
function BackgroundExport({ filters }: { filters: Filters }) {
  const [job, setJob] = useState<ExportJob>();
  const [error, setError] = useState<string>();
  const follow = async (id: string) => {
    for (;;) {
      const now = await api<ExportJob>(`/v1/console/exports/${id}`);
      setJob(now);
      if (now.status !== 'queued') return;
      await new Promise((ok) => setTimeout(ok, 2000));
    }
  };
  const start = () => {
    setError(undefined);
    api<ExportJob>(`/v1/console/exports${qs({ site: siteId.value, ...filters })}`, { method: 'POST' })
      .then((queued) => {
        setJob(queued);
        return follow(queued.id);
      })
      .catch((e: Error) => setError(e.message));
  };
  return (
    <div class="background-export">
      {!job && (
        <button type="button" onClick={start}>
          Export every matching lead in the background
        </button>
      )}
      <p role="status" class="status">
        {error ??
          (job?.status === 'queued'
            ? 'Exporting every matching lead… you may leave this page; the file is kept for a day.'
            : job?.status === 'failed'
              ? `The export failed: ${job.error ?? 'try again'}.`
              : job?.expired
                ? 'This export was deleted after a day: start a new one.'
                : '')}
      </p>
      {job?.status === 'done' && job.url && (
        <p>
          <a class="button" href={job.url} download>
            Download {job.rows} leads (CSV)
          </a>{' '}
          <span class="muted">{job.truncated ? 'The first million leads of the list. ' : ''}The link works for 15 minutes.</span>
        </p>
      )}
    </div>
  );
}

export default function LeadsPage() {
  const { query, route } = useLocation();
  const filters: Filters = Object.fromEntries(FILTERS.flatMap((f) => (query[f] ? [[f, query[f]]] : [])));
  const key = JSON.stringify(filters);
  const [more, setMore] = useState<{ key: string; pages: Page[] }>({ key, pages: [] });
  const first = useData(() => api<Page>(`/v1/console/leads${qs({ site: siteId.value, ...filters, limit: 25 })}`), [siteId.value, key]);
  const pages = [...(first.data ? [first.data] : []), ...(more.key === key ? more.pages : [])];
  const cursor = pages.at(-1)?.nextCursor;
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error>();
  const leads = pages.flatMap((p) => p.leads);
  const apply = (next: Filters) => route(`/console/leads${qs({ site: siteId.value, ...next })}`);
  const [exported, setExported] = useState<{ text: string; truncated?: boolean }>();
  return (
    <main id="main">
      <PageTitle>Leads</PageTitle>
      <FilterForm filters={filters} onApply={apply} />
      {may('admin', 'marketer') && (
        <div class="actions">
          <button
            type="button"
            onClick={() => {
              setExported({ text: 'Preparing the CSV…' });
              download(`/v1/console/exports/leads.csv${qs({ site: siteId.value, ...filters })}`, `leads-${siteId.value}.csv`).then(
                (h) =>
                  setExported(
                    h.get('x-export-truncated')
                      ? { text: `Downloaded the first ${h.get('x-export-rows')} leads. The list goes on:`, truncated: true }
                      : { text: `Downloaded ${h.get('x-export-rows')} leads.` },
                  ),
                (e: Error) => setExported({ text: e.message }),
              );
            }}
          >
            Export these leads (CSV)
          </button>
          <p role="status" class="status">
            {exported?.text}
          </p>
          {exported?.truncated && <BackgroundExport key={key} filters={filters} />}
        </div>
      )}
      {first.error && <ErrorNote error={first.error} retry={first.reload} />}
      {first.loading && !first.data && <Loading what="leads" />}
      {first.data && leads.length === 0 && !cursor && (
        <Empty title={Object.keys(filters).length ? 'No lead matches these filters' : 'No leads yet'}>
          {Object.keys(filters).length ? (
            <p>
              Loosen a filter, or <a href={`/console/leads${qs({ site: siteId.value })}`}>show every lead</a>.
            </p>
          ) : (
            <p>
              A lead appears here seconds after someone submits a form. Try the demo blog at <a href="/demo">/demo</a>.
            </p>
          )}
        </Empty>
      )}
      {leads.length > 0 && (
        <Scroll label="Leads table">
          <table class="leads">
            <caption>
              {leads.length} lead{leads.length === 1 ? '' : 's'} shown{cursor ? ', more below' : ''}; times in your time zone
            </caption>
            <thead>
              <tr>
                <th scope="col">Lead</th>
                <th scope="col">Company</th>
                <th scope="col">Stage</th>
                <th scope="col">Score (points)</th>
                <th scope="col">Created</th>
                <th scope="col">Source / campaign</th>
                <th scope="col">Consent</th>
              </tr>
            </thead>
            <tbody>
              {leads.map((l) => (
                <tr key={l.leadId}>
                  <th scope="row">
                    <a href={`/console/leads/${l.leadId}${qs({ site: siteId.value })}`}>{l.name || l.email}</a>
                    {l.name && <span class="muted block">{l.email}</span>}
                  </th>
                  <td>{l.company ?? '–'}</td>
                  <td>
                    <span class={`badge ${l.stage}`}>{l.stage.toUpperCase()}</span>
                    {l.notAFit && <span class="badge off">not a fit</span>}
                    {l.claimedBy && <span class="muted block">claimed by {l.claimedBy}</span>}
                  </td>
                  <td>{l.score ?? '–'}</td>
                  <td>{when(l.createdAt)}</td>
                  <td>{[l.source, l.campaign].filter(Boolean).join(' / ') || '–'}</td>
                  <td>{l.consent}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      {first.data?.incomplete && (
        <p class="note">More leads match than these {leads.length}: type more of the address, name or company to narrow the search.</p>
      )}
      {moreError && <ErrorNote error={moreError} />}
      {cursor && (
        <button
          type="button"
          disabled={loadingMore}
          onClick={() => {
            setLoadingMore(true);
            api<Page>(`/v1/console/leads${qs({ site: siteId.value, ...filters, limit: 25, cursor })}`)
              .then((p) => setMore({ key, pages: [...(more.key === key ? more.pages : []), p] }), setMoreError)
              .finally(() => setLoadingMore(false));
          }}
        >
          {loadingMore ? 'Loading…' : 'Show more'}
        </button>
      )}
    </main>
  );
}

function FilterForm({ filters, onApply }: { filters: Filters; onApply: (f: Filters) => void }) {
  const forms = currentSite()?.forms ?? [];
  const read = (form: HTMLFormElement): Filters =>
    Object.fromEntries(
      FILTERS.flatMap((f) =>
        (form.elements.namedItem(f) as HTMLInputElement | null)?.value ? [[f, (form.elements.namedItem(f) as HTMLInputElement).value]] : [],
      ),
    );
  return (
    <form
      class="filters"
      aria-label="Find leads"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(read(e.currentTarget));
      }}
    >
      <label class="wide">
        Search <input name="q" type="search" minLength={2} placeholder="Start of an email, name or company" value={filters.q ?? ''} />
      </label>
      <label>
        Stage
        <select name="stage" value={filters.stage ?? ''}>
          <option value="">Any</option>
          <option value="lead">Lead</option>
          <option value="mql">MQL</option>
          <option value="sql">SQL</option>
        </select>
      </label>
      <label>
        Claimed by
        <select name="owner" value={filters.owner ?? ''}>
          <option value="">Anyone or no one</option>
          <option value="unclaimed">No one yet</option>
          <option value="me">Me</option>
        </select>
      </label>
      <label>
        Score from <input name="minScore" type="number" inputMode="numeric" value={filters.minScore ?? ''} />
      </label>
      <label>
        Score to <input name="maxScore" type="number" inputMode="numeric" value={filters.maxScore ?? ''} />
      </label>
      <label>
        Form
        <select name="form" value={filters.form ?? ''}>
          <option value="">Any</option>
          {forms.map((f) => (
            <option value={f.id} key={f.id}>
              {f.id}
            </option>
          ))}
        </select>
      </label>
      <label>
        UTM source <input name="source" value={filters.source ?? ''} />
      </label>
      <label>
        UTM campaign <input name="campaign" value={filters.campaign ?? ''} />
      </label>
      <label>
        Consent
        <select name="consent" value={filters.consent ?? ''}>
          <option value="">Any</option>
          <option value="granted">Granted</option>
          <option value="declined">Declined</option>
          <option value="withdrawn">Withdrawn</option>
          <option value="none">Not asked</option>
        </select>
      </label>
      <label>
        Created from <input name="from" type="date" value={filters.from ?? ''} />
      </label>
      <label>
        Created to <input name="to" type="date" value={filters.to ?? ''} />
      </label>
      <label>
        Sort
        <select name="sort" value={filters.sort ?? 'newest'}>
          <option value="newest">Newest first</option>
          <option value="score">Highest score first</option>
        </select>
      </label>
      <div class="actions">
        <button type="submit" class="primary">
          Apply
        </button>
        <button type="button" onClick={() => onApply({})}>
          Clear
        </button>
      </div>
    </form>
  );
}
