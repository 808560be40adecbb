import { useLocation, useRoute } from 'preact-iso/router';
import { useState } from 'preact/hooks';
import { api, type Delivery, download, problemOf, qs } from '../api.js';
import { useData } from '../data.js';
import { when } from '../format.js';
import { currentSite, may, me, siteId } from '../state.js';
import { Dialog, ErrorNote, Loading, PageTitle, Scroll } from '../ui.js';

interface Consent {
  granted: boolean;
  text: string;
  version: string;
  formId: string;
  at: string;
  withdrawn?: { at: string; method: string; via: string };
}
type Entry = { type: string; at: string } & Record<string, unknown>;
interface Lead {
  leadId: string;
  email: string;
  profile: Record<string, string>;
  consent: { marketing?: Consent; history: Consent[] };
  sources: { first: Record<string, unknown>; latest: Record<string, unknown> };
  timeline: Entry[];
  verifiedAt?: string;
  stage: string;
  score?: {
    fit: number;
    engagement: number;
    total: number;
    rulesVersion: string;
    computedAt: string;
    breakdown: { ruleId: string; label: string; kind: string; points: number; original: number; events?: number; capped?: boolean }[];
  };
  claim?: { rep: string; at: string };
  notAFit?: { at: string; by: string };
  mail?: {
    unsubscribedAt?: string;
    suppressed?: string;
    sequences: { sequenceId: string; formId: string; status: string; stepsSent: number; nextAt?: string; exitReason?: string; exitDetail?: string }[];
  };
  createdAt: string;
}

export default function LeadPage() {
  const { params } = useRoute();
  const leadId = params.leadId!;
  const { data, error, loading, reload } = useData(
    () => api<{ lead: Lead; deliveries: Delivery[] }>(`/v1/console/leads/${encodeURIComponent(leadId)}`),
    [leadId],
  );
  if (error)
    return (
      <main id="main">
        <PageTitle>Lead</PageTitle>
        <ErrorNote error={error} retry={reload} />
      </main>
    );
  if (!data) return <main id="main">{loading && <Loading what="the lead" />}</main>;
  const { lead, deliveries } = data;
  const name = lead.profile.name ?? [lead.profile.firstName, lead.profile.lastName].filter(Boolean).join(' ');
  return (
    <main id="main">
      <p>
        <a href={`/console/leads${qs({ site: siteId.value })}`}>← Leads</a>
      </p>
      <PageTitle>{name || lead.email}</PageTitle>
      <p class="summary">
        {name && <span>{lead.email} · </span>}
        <span class={`badge ${lead.stage}`}>{lead.stage.toUpperCase()}</span> · score {lead.score ? `${lead.score.total} points` : 'not scored yet'}
        {lead.notAFit && (
          <span class="badge off">
            not a fit (marked by {lead.notAFit.by}, {when(lead.notAFit.at)})
          </span>
        )}
        {lead.claim && (
          <span>
            {' '}
            · claimed by {lead.claim.rep}, {when(lead.claim.at)}
          </span>
        )}
      </p>
      <Actions lead={lead} onChange={reload} />
      <div class="columns">
        <section aria-labelledby="profile-title">
          <h2 id="profile-title">Profile</h2>
          <dl>
            <dt>Email</dt>
            <dd>{lead.email}</dd>
            {Object.entries(lead.profile).map(([k, v]) => (
              <div key={k}>
                <dt>{currentSite()?.fieldLabels[k] ?? k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
            <dt>Created</dt>
            <dd>{when(lead.createdAt)}</dd>
            <dt>First source</dt>
            <dd>{describeSource(lead.sources.first)}</dd>
            <dt>Address confirmed by its owner</dt>
            <dd>{lead.verifiedAt ? when(lead.verifiedAt) : 'not yet (no opt-in confirmed, no email link clicked)'}</dd>
          </dl>
        </section>
        <ConsentSection consent={lead.consent} />
      </div>
      <ScoreSection score={lead.score} />
      <SequencesSection mail={lead.mail} />
      <DeliveriesSection deliveries={deliveries} />
      <section aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol class="timeline" reversed>
          {[...lead.timeline].reverse().map((e, i) => (
            <li key={`${e.at}-${i}`}>
              <time dateTime={e.at}>{when(e.at)}</time> <span>{describe(e)}</span>
              {e.unverified === true && <span class="badge off">unverified claim</span>}
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}

function describeSource(s: Record<string, unknown>): string {
  const utm = (s.utm ?? {}) as Record<string, string>;
  return [
    `form ${s.formId}`,
    s.variant && `variant ${s.variant}`,
    s.pageUrl && `on ${s.pageUrl}`,
    utm.source && `source ${utm.source}`,
    utm.medium && `medium ${utm.medium}`,
    utm.campaign && `campaign ${utm.campaign}`,
    s.referrer && `from ${s.referrer}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/** One timeline entry in words. */
function describe(e: Entry): string {
  const s = (k: string) => (e[k] === undefined ? '' : String(e[k]));
  switch (e.type) {
    case 'form_submitted':
      return `Submitted form ${s('formId')}${e.pageUrl ? ` on ${s('pageUrl')}` : ''}`;
    case 'page_viewed':
      return `Viewed ${s('path')}`;
    case 'stage_changed':
      return `Became ${s('to').toUpperCase()} (from ${s('from').toUpperCase()}, ${s('total')} points)`;
    case 'email_sent':
      return `Sent “${s('subject')}” (${s('kind')}${e.sequenceId ? `, ${s('sequenceId')} step ${s('stepId')}` : ''})`;
    case 'email_failed':
      return `An email could not be sent: ${s('reason')}`;
    case 'opt_in_confirmed':
      return `Confirmed the opt-in of form ${s('formId')}`;
    case 'unsubscribed':
      return `Unsubscribed (${s('method')}${e.by ? ` by ${s('by')}` : ''})`;
    case 'email_suppressed':
      return `Email stopped: ${s('reason')}${e.detail ? ` (${s('detail')})` : ''}`;
    case 'email_opened':
      return 'Opened an email';
    case 'email_clicked':
      return `Clicked ${s('link') || 'a link'} in an email`;
    case 'sequence_exited':
      return `Left sequence ${s('sequenceId')}: ${s('reason')}`;
    case 'prospect_claimed':
      return `Claimed by ${s('rep')}`;
    case 'prospect_released':
      return `Released by ${s('by')}${e.by === e.rep ? '' : ` (claimed by ${s('rep')})`}`;
    case 'marked_not_a_fit':
      return `Marked not a fit by ${s('by')}${e.reason ? `: ${s('reason')}` : ''}`;
    case 'requalified':
      return `Requalified by ${s('by')}`;
    default:
      return e.type;
  }
}

function ConsentSection({ consent }: { consent: Lead['consent'] }) {
  const m = consent.marketing;
  return (
    <section aria-labelledby="consent-title">
      <h2 id="consent-title">Consent to marketing email</h2>
      {!m ? (
        <p>Not asked on any form this lead submitted.</p>
      ) : (
        <>
          <p>
            <strong>{m.granted ? 'Granted' : m.withdrawn ? 'Withdrawn' : 'Declined'}</strong> on form {m.formId}, {when(m.at)} (text version {m.version})
            {m.withdrawn && `; withdrawn ${when(m.withdrawn.at)} through ${m.withdrawn.via}`}.
          </p>
          <figure>
            <figcaption>The text the person agreed to:</figcaption>
            <blockquote>{m.text}</blockquote>
          </figure>
        </>
      )}
      {consent.history.length > 1 && (
        <details>
          <summary>Every decision ({consent.history.length})</summary>
          <ul>
            {consent.history.map((c, i) => (
              <li key={i}>
                {when(c.at)}: {c.granted ? 'granted' : 'not granted'} on {c.formId} (v{c.version})
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

function ScoreSection({ score }: { score: Lead['score'] }) {
  return (
    <section aria-labelledby="score-title">
      <h2 id="score-title">Score</h2>
      {!score ? (
        <p>Not scored yet: the site has no scoring rules, or the lead was just created.</p>
      ) : (
        <>
          <p>
            {score.total} points: fit {score.fit}, engagement {score.engagement} (rules {score.rulesVersion}, computed {when(score.computedAt)}).
          </p>
          <Scroll label="Score rules table">
            <table>
              <caption>Each rule’s points (engagement decays over time)</caption>
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Points now</th>
                  <th scope="col">Before decay</th>
                  <th scope="col">Events</th>
                </tr>
              </thead>
              <tbody>
                {score.breakdown.map((r) => (
                  <tr key={r.ruleId}>
                    <th scope="row">{r.label}</th>
                    <td>{r.kind}</td>
                    <td>
                      {r.points}
                      {r.capped && ' (capped)'}
                    </td>
                    <td>{r.original}</td>
                    <td>{r.events ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </>
      )}
    </section>
  );
}

function SequencesSection({ mail }: { mail: Lead['mail'] }) {
  return (
    <section aria-labelledby="sequences-title">
      <h2 id="sequences-title">Emails and sequences</h2>
      {mail?.unsubscribedAt && <p>Unsubscribed {when(mail.unsubscribedAt)}: nothing more is sent.</p>}
      {mail?.suppressed && <p>Email stopped: the address {mail.suppressed === 'bounced' ? 'bounced' : 'complained (marked an email as spam)'}.</p>}
      {!mail?.sequences.length ? (
        <p>Not in any sequence.</p>
      ) : (
        <ul>
          {mail.sequences.map((s) => (
            <li key={s.sequenceId}>
              {s.sequenceId} (form {s.formId}): {s.status}, {s.stepsSent} step{s.stepsSent === 1 ? '' : 's'} sent
              {s.nextAt && `, next ${when(s.nextAt)}`}
              {s.exitReason && `, left: ${s.exitReason}${s.exitDetail ? ` (${s.exitDetail})` : ''}`}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function DeliveriesSection({ deliveries }: { deliveries: Delivery[] }) {
  return (
    <section aria-labelledby="handoff-title">
      <h2 id="handoff-title">Hand-off to sales (webhooks)</h2>
      {!deliveries.length ? (
        <p>No webhook delivery for this lead.</p>
      ) : (
        <Scroll label="Webhook deliveries table">
          <table>
            <caption>Each event sent to an endpoint, with its last try</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Status</th>
                <th scope="col">Last try</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => {
                const last = d.attempts.at(-1);
                return (
                  <tr key={d.deliveryId}>
                    <th scope="row">
                      {d.type} <span class="muted block">{when(d.eventAt)}</span>
                    </th>
                    <td>{d.endpointId}</td>
                    <td>
                      {d.status}
                      {d.nextAttemptAt && <span class="muted block">next try {when(d.nextAttemptAt)}</span>}
                    </td>
                    <td>{last ? `${when(last.at)}: ${last.status ?? last.error ?? last.result}` : 'not tried yet'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Scroll>
      )}
    </section>
  );
}

/** What the person may do to this lead, by their roles (the API checks again). */
function Actions({ lead, onChange }: { lead: Lead; onChange: () => void }) {
  const { route } = useLocation();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<string>();
  const [dialog, setDialog] = useState<'erase' | 'unsubscribe' | undefined>();
  const [confirm, setConfirm] = useState('');
  const act = async (what: string, call: () => Promise<unknown>, after: () => void = onChange) => {
    setBusy(true);
    setProblem(undefined);
    try {
      await call();
      setDone(what);
      setDialog(undefined);
      after();
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      setBusy(false);
    }
  };
  const base = `/v1/console/leads/${encodeURIComponent(lead.leadId)}`;
  const unsubscribed = Boolean(lead.mail?.unsubscribedAt);
  const none = !may('admin', 'marketer', 'sales');
  return (
    <>
      <fieldset class="actions">
        <legend class="sr">Actions</legend>
        {none && <p class="note">Your role reads leads; it changes none.</p>}
        {may('admin', 'sales') && !lead.claim && !lead.notAFit && (
          <button type="button" disabled={busy} onClick={() => act('Claimed for you', () => api(`${base}/claim`, { method: 'POST' }))}>
            Claim for me
          </button>
        )}
        {lead.claim && (may('admin') || (may('sales') && [me.value?.email, me.value?.sub].includes(lead.claim.rep))) && (
          <button type="button" disabled={busy} onClick={() => act('Released: anyone may claim it now', () => api(`${base}/release`, { method: 'POST' }))}>
            Release
          </button>
        )}
        {may('admin', 'marketer', 'sales') && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              act(lead.notAFit ? 'Requalified' : 'Marked not a fit', () => api(`${base}/fit`, { method: 'POST', body: { notAFit: !lead.notAFit } }))
            }
          >
            {lead.notAFit ? 'Requalify' : 'Mark not a fit'}
          </button>
        )}
        {may('admin', 'marketer') && !unsubscribed && (
          <button type="button" disabled={busy} onClick={() => setDialog('unsubscribe')}>
            Unsubscribe…
          </button>
        )}
        {may('admin') && (
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              act(
                'Exported',
                () => download(`${base}/export`, `lead-${lead.leadId}.json`),
                () => {},
              )
            }
          >
            Export (JSON)
          </button>
        )}
        {may('admin') && (
          <button type="button" class="danger" disabled={busy} onClick={() => setDialog('erase')}>
            Erase…
          </button>
        )}
        <p role="status" class="status">
          {done && !problem ? `${done}.` : ''}
        </p>
        {problem && (
          <p role="alert" class="error">
            {problem}
          </p>
        )}
      </fieldset>
      <Dialog open={dialog === 'unsubscribe'} title="Unsubscribe this lead?" onClose={() => setDialog(undefined)}>
        <p>Do this when the person asked you to. They get no more email, and their consent is recorded as withdrawn by you.</p>
        <div class="actions">
          <button type="button" class="primary" disabled={busy} onClick={() => act('Unsubscribed', () => api(`${base}/unsubscribe`, { method: 'POST' }))}>
            Unsubscribe
          </button>
          <button type="button" onClick={() => setDialog(undefined)}>
            Cancel
          </button>
        </div>
      </Dialog>
      <Dialog open={dialog === 'erase'} title="Erase this lead for good?" onClose={() => setDialog(undefined)}>
        <p>
          Everything held on {lead.email} goes: profile, timeline, emails, deliveries. Only an anonymous record of their consent decisions stays. This cannot be
          undone.
        </p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void act(
              'Erased',
              () => api(`${base}/erase`, { method: 'POST', body: { confirm } }),
              () => route(`/console/leads${qs({ site: siteId.value })}`),
            );
          }}
        >
          <label>
            Type the lead’s email address to confirm
            <input type="email" required autoComplete="off" value={confirm} onInput={(e) => setConfirm((e.target as HTMLInputElement).value)} />
          </label>
          <div class="actions">
            <button type="submit" class="danger" disabled={busy || confirm.trim().toLowerCase() !== lead.email.toLowerCase()}>
              Erase
            </button>
            <button type="button" onClick={() => setDialog(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
