import { useRoute } from 'preact-iso/router';
import { api, type Delivery, qs } from '../api.js';
import { useAction, useData } from '../data.js';
import { count, when } from '../format.js';
import { may, siteId } from '../state.js';
import { Empty, ErrorNote, Loading, PageTitle, Scroll, StatusNote } from '../ui.js';

interface Health {
  deliveries: number;
  delivered: number;
  pending: number;
  failed: number;
  successRate?: number;
  medianLatencyMs?: number;
  lastDeliveredAt?: string;
  lastError?: { at: string; status?: number; error?: string };
}
interface Target {
  id: string;
  kind: 'webhook' | 'hubspot' | 'salesforce' | 'pipedrive' | 'slack';
  url?: string;
  events: string[];
  disabledAt?: string;
  health: Health;
}

const KINDS: Record<Target['kind'], string> = {
  webhook: 'Signed webhook',
  hubspot: 'HubSpot',
  salesforce: 'Salesforce',
  pipedrive: 'Pipedrive',
  slack: 'Slack',
};
const pct = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
/** A try's answer in words: the status, and the receiver's or vendor's words (which may start with it already). */
const said = (status?: number, error?: string) => (error?.startsWith(String(status)) ? error : [status, error].filter(Boolean).join(' '));

export default function HandoffPage() {
  const { params } = useRoute();
  return params.endpointId ? <Log endpointId={params.endpointId} /> : <Targets />;
}

/** Each endpoint and destination: is it taking the prospects, and if not, why. */
function Targets() {
  const { data, error, loading, reload } = useData(
    () => api<{ window: number; targets: Target[] }>(`/v1/console/handoff${qs({ site: siteId.value })}`),
    [siteId.value],
  );
  const { note, act } = useAction();
  const test = (t: Target) =>
    act(
      () => api<Delivery>(`/v1/console/handoff/${encodeURIComponent(t.id)}/test${qs({ site: siteId.value })}`, { method: 'POST' }),
      (d) => {
        reload();
        return `A test event (${d.deliveryId}) is on its way to ${t.id}: it shows in its deliveries.`;
      },
      'No test sent',
    );
  return (
    <main id="main">
      <PageTitle>Hand-off</PageTitle>
      <p class="period">Where qualified prospects go: each webhook endpoint and CRM destination, measured on its newest {data?.window ?? 50} deliveries.</p>
      <StatusNote note={note} />
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && loading && <Loading what="the hand-off" />}
      {data &&
        (data.targets.length ? (
          <Scroll label="Endpoints and destinations" busy={loading}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">State</th>
                  <th scope="col">Success</th>
                  <th scope="col">Delivered</th>
                  <th scope="col">Waiting</th>
                  <th scope="col">Failed</th>
                  <th scope="col">Median latency</th>
                  <th scope="col">Last error</th>
                  <th scope="col">Check</th>
                </tr>
              </thead>
              <tbody>
                {data.targets.map((t) => (
                  <tr key={t.id}>
                    <th scope="row">
                      <a href={`/console/handoff/${encodeURIComponent(t.id)}${qs({ site: siteId.value })}`}>{t.id}</a>{' '}
                      <span class="muted">
                        ({KINDS[t.kind]}; {t.events.join(', ')})
                      </span>
                    </th>
                    <td class={t.disabledAt ? 'verdict worse' : undefined}>{t.disabledAt ? `disabled since ${when(t.disabledAt)}` : 'on'}</td>
                    <td>{t.health.successRate === undefined ? '–' : pct.format(t.health.successRate)}</td>
                    <td>{count(t.health.delivered)}</td>
                    <td>{count(t.health.pending)}</td>
                    <td>{count(t.health.failed)}</td>
                    <td>{t.health.medianLatencyMs === undefined ? '–' : `${count(t.health.medianLatencyMs)} ms`}</td>
                    <td>{t.health.lastError ? `${when(t.health.lastError.at)}: ${said(t.health.lastError.status, t.health.lastError.error)}` : 'none'}</td>
                    <td>
                      <button type="button" onClick={() => void test(t)}>
                        Send a test event<span class="sr"> to {t.id}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        ) : (
          <Empty title="No endpoint or destination">
            <p>
              Add signed webhooks (<code>webhooks</code>) or HubSpot, Salesforce, Pipedrive and Slack (<code>destinations</code>) to the site in{' '}
              <code>config/funnel.config.ts</code>.
            </p>
          </Empty>
        ))}
    </main>
  );
}

/** One endpoint's deliveries, newest first, with their tries; sales may send a failed one again. */
function Log({ endpointId }: { endpointId: string }) {
  const { data, error, loading, reload } = useData(
    () => api<{ deliveries: Delivery[] }>(`/v1/console/handoff/${encodeURIComponent(endpointId)}${qs({ site: siteId.value })}`),
    [siteId.value, endpointId],
  );
  const { note, act } = useAction();
  const replay = (d: Delivery) =>
    act(
      () => api(`/v1/console/deliveries/${encodeURIComponent(d.deliveryId)}/replay`, { method: 'POST' }),
      () => {
        reload();
        return `${d.deliveryId} is queued again.`;
      },
      'The replay failed',
    );
  return (
    <main id="main">
      <PageTitle>Deliveries: {endpointId}</PageTitle>
      <p>
        <a href={`/console/handoff${qs({ site: siteId.value })}`}>All endpoints</a>
      </p>
      <StatusNote note={note} />
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && loading && <Loading what="the deliveries" />}
      {data &&
        (data.deliveries.length ? (
          <Scroll label="Deliveries" busy={loading}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Lead</th>
                  <th scope="col">Status</th>
                  <th scope="col">Tries</th>
                  <th scope="col">Last try</th>
                  <th scope="col">Next try</th>
                  {may('admin', 'sales') && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {data.deliveries.map((d) => {
                  const last = d.attempts.at(-1);
                  return (
                    <tr key={d.deliveryId}>
                      <th scope="row">
                        {d.type} <span class="muted">{when(d.eventAt)}</span>
                      </th>
                      <td>
                        <a href={`/console/leads/${encodeURIComponent(d.leadId)}${qs({ site: siteId.value })}`}>{d.leadId.slice(0, 8)}</a>
                      </td>
                      <td class={d.status === 'dead' || d.status === 'failed' ? 'verdict worse' : undefined}>{d.status}</td>
                      <td>{d.attempts.length}</td>
                      <td>{last ? `${said(last.status, last.error) || last.result} in ${count(last.latencyMs)} ms` : '–'}</td>
                      <td>{d.nextAttemptAt ? when(d.nextAttemptAt) : '–'}</td>
                      {may('admin', 'sales') && (
                        <td>
                          {d.status !== 'pending' && (
                            <button type="button" onClick={() => void replay(d)}>
                              Send again<span class="sr"> {d.deliveryId}</span>
                            </button>
                          )}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </Scroll>
        ) : (
          <Empty title="No delivery yet">
            <p>Deliveries appear when a lead qualifies (or with a test event: `npm run smoke`).</p>
          </Empty>
        ))}
    </main>
  );
}
