import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { api, qs } from '../api.js';
import { useAction, useData } from '../data.js';
import { count, rate, utcDay } from '../format.js';
import { lastDays, RangePicker } from '../range.js';
import { may, me, siteId } from '../state.js';
import { ErrorNote, Loading, PageTitle, Scroll, StatusNote } from '../ui.js';

interface Counts {
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  hardBounced: number;
  softBounced: number;
  complained: number;
  unsubscribed: number;
}
interface Email extends Counts {
  email: string;
  kind: 'confirmation' | 'delivery' | 'step';
  formId: string;
  subject: string;
}
interface Step extends Counts {
  email: string;
  stepId: string;
  position: number;
  delay: { days?: number; hours?: number; minutes?: number };
  subject: string;
}
interface Sequence {
  sequenceId: string;
  email: string;
  formId: string;
  enrolled: number;
  completed: number;
  exited: Record<string, number>;
  steps: Step[];
}
interface EmailsAnswer {
  from: string;
  to: string;
  tracking: { opens: boolean; clicks: boolean };
  totals: Counts;
  days: ({ day: string } & Partial<Counts> & Record<string, number | string>)[];
  emails: Email[];
  sequences: Sequence[];
}
interface Preview {
  email: string;
  kind: string;
  from: string;
  subject: string;
  preheader: string;
  html: string;
  text: string;
}

const KINDS = { confirmation: 'Confirmation (double opt-in)', delivery: 'Delivery' } as const;
/** Why leads left a sequence, as people say it (`ExitReason` in functions/core/nurture/sequence.ts). */
const EXITS: Record<string, string> = {
  unsubscribed: 'unsubscribed',
  complained: 'complained',
  bounced: 'bounced',
  'stage-reached': 'qualified (stage reached)',
  'form-submitted': 'submitted an exit form',
  'send-failed': 'address refused',
};
const delayWords = (d: Step['delay']) =>
  [d.days && `${d.days} d`, d.hours && `${d.hours} h`, d.minutes && `${d.minutes} min`].filter(Boolean).join(' ') || 'at once';

export default function EmailsPage() {
  const { query } = useLocation();
  return query.email ? <EmailPage email={query.email} /> : <EmailList />;
}

/** A count with its rate of `of` beside it. */
const Rated = ({ n, of }: { n: number; of: number }) => (
  <>
    {count(n)} <span class="muted">{rate(n, of)}</span>
  </>
);

/** The numbers of one email in the columns every table here shares. */
function Cells({ c, tracking }: { c: Counts; tracking: EmailsAnswer['tracking'] }) {
  const untracked = <span class="muted">not tracked</span>;
  return (
    <>
      <td>{count(c.sent)}</td>
      <td>
        <Rated n={c.delivered} of={c.sent} />
      </td>
      <td>{tracking.opens ? <Rated n={c.opened} of={c.delivered} /> : untracked}</td>
      <td>{tracking.clicks ? <Rated n={c.clicked} of={c.delivered} /> : untracked}</td>
      <td>
        {count(c.hardBounced)} / {count(c.softBounced)} <span class="muted">{rate(c.hardBounced + c.softBounced, c.sent)}</span>
      </td>
      <td>
        <Rated n={c.complained} of={c.delivered} />
      </td>
      <td>
        <Rated n={c.unsubscribed} of={c.delivered} />
      </td>
    </>
  );
}

const Heads = () => (
  <>
    <th scope="col">Sent</th>
    <th scope="col">Delivered</th>
    <th scope="col">Opened</th>
    <th scope="col">Clicked</th>
    <th scope="col">Bounced (hard / soft)</th>
    <th scope="col">Complaints</th>
    <th scope="col">Unsubscribed</th>
  </>
);

const link = (email: string) => `/console/emails${qs({ site: siteId.value, email })}`;

function EmailList() {
  const [range, setRange] = useState(lastDays(30));
  const { data, error, loading, reload } = useData(
    () => api<EmailsAnswer>(`/v1/console/emails${qs({ site: siteId.value, from: range.from, to: range.to })}`),
    [siteId.value, range.from, range.to],
  );
  return (
    <main id="main">
      <PageTitle>Emails</PageTitle>
      <RangePicker range={range} onChange={setRange} />
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && loading && <Loading what="the emails" />}
      {data && (
        <>
          <p class="period">
            {utcDay(data.from)} to {utcDay(data.to)} (days in UTC). Opens, clicks, complaints and unsubscribes are of emails delivered; bounces of emails sent.
            An open or a click counts once per email.
          </p>
          {!(data.tracking.opens && data.tracking.clicks) && (
            <p class="note" role="note">
              This site does not track {data.tracking.opens ? 'clicks' : data.tracking.clicks ? 'opens' : 'opens or clicks'}: turn it on with{' '}
              <code>email.tracking</code> in the site's config. Without it those columns stay empty.
            </p>
          )}
          <Scroll label="Form emails" busy={loading}>
            <table>
              <caption>Form emails</caption>
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <Heads />
                </tr>
              </thead>
              <tbody>
                {data.emails.map((e) => (
                  <tr key={e.email}>
                    <th scope="row">
                      <a href={link(e.email)}>{e.subject}</a>{' '}
                      <span class="muted">
                        ({KINDS[e.kind as 'delivery']}, form {e.formId})
                      </span>
                    </th>
                    <Cells c={e} tracking={data.tracking} />
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
          {data.sequences.map((s) => (
            <section key={s.sequenceId} aria-labelledby={`seq-${s.sequenceId}`}>
              <h2 id={`seq-${s.sequenceId}`}>
                Sequence <a href={link(s.email)}>{s.sequenceId}</a> <span class="muted">(form {s.formId})</span>
              </h2>
              <p>
                {count(s.enrolled)} enrolled, {count(s.completed)} completed
                {Object.entries(s.exited).some(([, n]) => n > 0)
                  ? `; left early: ${Object.entries(s.exited)
                      .filter(([, n]) => n > 0)
                      .map(([r, n]) => `${count(n)} ${EXITS[r] ?? r}`)
                      .join(', ')}`
                  : '; nobody left early'}
                .
              </p>
              <Scroll label={`Steps of ${s.sequenceId}`} busy={loading}>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Step</th>
                      <Heads />
                    </tr>
                  </thead>
                  <tbody>
                    {s.steps.map((st) => (
                      <tr key={st.email}>
                        <th scope="row">
                          {st.position}. <a href={link(st.email)}>{st.subject}</a> <span class="muted">(after {delayWords(st.delay)})</span>
                        </th>
                        <Cells c={st} tracking={data.tracking} />
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Scroll>
            </section>
          ))}
        </>
      )}
    </main>
  );
}

/** One email (or sequence): its numbers each day, and for an email its preview and a test send. */
function EmailPage({ email }: { email: string }) {
  const [range, setRange] = useState(lastDays(30));
  const sequence = email.startsWith('sequence#');
  const { data, error, loading, reload } = useData(
    () => api<EmailsAnswer>(`/v1/console/emails${qs({ site: siteId.value, from: range.from, to: range.to, email })}`),
    [siteId.value, range.from, range.to, email],
  );
  // Days with anything to show, newest first (a quiet month is thirty rows of zeros otherwise).
  const active = data ? [...data.days].reverse().filter((d) => Object.entries(d).some(([k, v]) => k !== 'day' && !k.endsWith('Rate') && Number(v) > 0)) : [];
  const name = data && (data.emails.find((e) => e.email === email)?.subject ?? data.sequences.flatMap((s) => s.steps).find((s) => s.email === email)?.subject);
  return (
    <main id="main">
      <PageTitle>{sequence ? `Sequence ${email.slice('sequence#'.length)}` : (name ?? 'Email')}</PageTitle>
      <p>
        <a href={`/console/emails${qs({ site: siteId.value })}`}>All emails</a>
      </p>
      <RangePicker range={range} onChange={setRange} />
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && loading && <Loading what="the numbers" />}
      {data && !active.length && (
        <p>
          Nothing in this range: no {sequence ? 'enrolment or exit' : 'email sent or reported'} from {utcDay(data.from)} to {utcDay(data.to)}.
        </p>
      )}
      {data && active.length > 0 && (
        <Scroll label="Each day" busy={loading}>
          <table>
            <caption>Each day with any (UTC; days without are left out)</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {sequence ? (
                  <>
                    <th scope="col">Enrolled</th>
                    <th scope="col">Completed</th>
                    <th scope="col">Left early</th>
                  </>
                ) : (
                  <Heads />
                )}
              </tr>
            </thead>
            <tbody>
              {active.map((d) => (
                <tr key={d.day}>
                  <th scope="row">{utcDay(d.day)}</th>
                  {sequence ? (
                    <>
                      <td>{count(Number(d.enrolled ?? 0))}</td>
                      <td>{count(Number(d.completed ?? 0))}</td>
                      <td>{count(Object.entries(d).reduce((n, [k, v]) => n + (k.startsWith('exit_') ? Number(v) : 0), 0))}</td>
                    </>
                  ) : (
                    <Cells c={d as unknown as Counts} tracking={data.tracking} />
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      {!sequence && <EmailPreview email={email} />}
    </main>
  );
}

/** The email rendered for the sample lead, light and dark, its text part, and (marketers) a test send. */
function EmailPreview({ email }: { email: string }) {
  const { data, error, reload } = useData(() => api<Preview>(`/v1/console/emails/preview${qs({ site: siteId.value, email })}`), [siteId.value, email]);
  const [to, setTo] = useState(me.value?.email ?? '');
  const { note, busy: sending, act } = useAction();
  const send = () =>
    act(
      () => api<{ to: string; subject: string }>(`/v1/console/emails/test${qs({ site: siteId.value })}`, { method: 'POST', body: { email, to } }),
      (out) => `Sent “${out.subject}” to ${out.to}.`,
      'Not sent',
    );
  if (error) return <ErrorNote error={error} retry={reload} />;
  if (!data) return <Loading what="the preview" />;
  return (
    <section aria-labelledby="preview">
      <h2 id="preview">Preview</h2>
      <p class="period">
        Rendered for a made-up lead (Jane Doe). Its unsubscribe and confirm links go to example addresses; remote images are not loaded here.
      </p>
      <dl class="facts">
        <dt>From</dt>
        <dd>{data.from}</dd>
        <dt>Subject</dt>
        <dd>{data.subject}</dd>
        <dt>Preheader</dt>
        <dd>{data.preheader}</dd>
      </dl>
      <div class="previews">
        <figure>
          <iframe class="mail" title="The email, light" sandbox="" srcdoc={data.html} />
          <figcaption>Light</figcaption>
        </figure>
        <figure>
          <iframe class="mail dark" title="The email, dark (as a client that honours its dark styles shows it)" sandbox="" srcdoc={data.html} />
          <figcaption>Dark (as a mail client that honours the email's own dark styles shows it)</figcaption>
        </figure>
      </div>
      <details>
        <summary>Text version</summary>
        <pre class="mailtext">{data.text}</pre>
      </details>
      {may('admin', 'marketer') && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <label>
            Send a test to <input type="email" required value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </label>{' '}
          <button type="submit" disabled={sending}>
            Send test
          </button>
          <span class="muted"> “[Test]” before its subject; counted nowhere; 10 an hour.</span>
        </form>
      )}
      <StatusNote note={note} />
    </section>
  );
}
