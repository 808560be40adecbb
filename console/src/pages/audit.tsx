import { useState } from 'preact/hooks';
import { api, qs } from '../api.js';
import { useData } from '../data.js';
import { when } from '../format.js';
import { siteId } from '../state.js';
import { Empty, ErrorNote, Loading, PageTitle, Scroll } from '../ui.js';

interface Entry {
  at: string;
  actor: { sub: string; email?: string };
  action: string;
  siteId?: string;
  leadId?: string;
  detail?: Record<string, string>;
}
interface Page {
  entries: Entry[];
  nextCursor?: string;
}

export default function AuditPage() {
  const first = useData(() => api<Page>('/v1/console/audit?limit=50'), []);
  const [more, setMore] = useState<Page[]>([]);
  const [error, setError] = useState<Error>();
  const pages = [...(first.data ? [first.data] : []), ...more];
  const cursor = pages.at(-1)?.nextCursor;
  const entries = pages.flatMap((p) => p.entries);
  return (
    <main id="main">
      <PageTitle>Audit log</PageTitle>
      <p>Every change made in the console: who, what, when, to which lead. Kept two years.</p>
      {first.error && <ErrorNote error={first.error} retry={first.reload} />}
      {first.loading && <Loading what="the audit log" />}
      {first.data && !entries.length && (
        <Empty title="Nothing yet">
          <p>Unsubscribes, claims, erasures, exports and API keys made in the console appear here.</p>
        </Empty>
      )}
      {entries.length > 0 && (
        <Scroll label="Audit log table">
          <table>
            <caption>Newest first; times in your time zone</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Lead</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={`${e.at}${e.action}${e.leadId ?? ''}`}>
                  <th scope="row">{when(e.at)}</th>
                  <td>{e.actor.email ?? e.actor.sub}</td>
                  <td>{e.action}</td>
                  <td>
                    {e.leadId && e.action !== 'lead.erase' ? (
                      <a href={`/console/leads/${e.leadId}${qs({ site: e.siteId ?? siteId.value })}`}>{e.leadId}</a>
                    ) : (
                      (e.leadId ?? '–')
                    )}
                  </td>
                  <td>
                    {e.detail
                      ? Object.entries(e.detail)
                          .map(([k, v]) => `${k}: ${v}`)
                          .join(', ')
                      : '–'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      {error && <ErrorNote error={error} />}
      {cursor && (
        <button type="button" onClick={() => api<Page>(`/v1/console/audit${qs({ limit: 50, cursor })}`).then((p) => setMore([...more, p]), setError)}>
          Show older
        </button>
      )}
    </main>
  );
}
