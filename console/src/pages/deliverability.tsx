import { useState } from 'preact/hooks';
import { api, qs } from '../api.js';
import { useAction, useData } from '../data.js';
import { count, utcDay, when } from '../format.js';
import { may, siteId } from '../state.js';
import { ErrorNote, Loading, PageTitle, Scroll, StatusNote } from '../ui.js';

type Standing = 'healthy' | 'review' | 'pause';
interface Answer {
  reputation: {
    domain?: string;
    from: string;
    to: string;
    sent: number;
    delivered: number;
    bounces: number;
    complaints: number;
    bounceRate: number;
    complaintRate: number;
    bounce: Standing;
    complaint: Standing;
  };
  account: {
    emulator?: boolean;
    sandbox: boolean;
    sendingEnabled: boolean;
    enforcement?: string;
    quota?: { max24Hour: number; sentLast24Hours: number; maxSendRate: number };
    suppressionReasons: string[];
  };
  identities: { domain: string; verified: boolean | 'missing'; dkim?: string }[];
}
interface Suppressed {
  address: string;
  reason: 'BOUNCE' | 'COMPLAINT';
  at: string;
}

/** Sends below which one bounce moves the rate by more than half a point: the page says the rates are not yet a verdict. */
const FEW = 200;
const pct = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 2 });
const STANDING: Record<Standing, { words: string; cls?: string }> = {
  healthy: { words: 'healthy' },
  review: { words: 'over the review level: SES may put the account under review', cls: 'verdict worse' },
  pause: { words: 'over the pause level: SES may pause sending', cls: 'verdict worse' },
};

export default function DeliverabilityPage() {
  const { data, error, loading, reload } = useData(() => api<Answer>(`/v1/console/deliverability${qs({ site: siteId.value })}`), [siteId.value]);
  return (
    <main id="main">
      <PageTitle>Deliverability</PageTitle>
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && loading && <Loading what="the sending health" />}
      {data && (
        <>
          <section aria-labelledby="rates">
            <h2 id="rates">Bounces and complaints</h2>
            <p class="period">
              This site's emails from {utcDay(data.reputation.from)} to {utcDay(data.reputation.to)} (14 days
              {data.reputation.domain ? `; sender domain ${data.reputation.domain}` : ''}). SES reviews an account at 5% bounces or 0.1% complaints and may
              pause it at 10% or 0.5%; an alarm tells the operator at the review level.
            </p>
            <Scroll label="Rates" busy={loading}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">Rate</th>
                    <th scope="col">Value</th>
                    <th scope="col">Of</th>
                    <th scope="col">Standing</th>
                  </tr>
                </thead>
                <tbody>
                  {(
                    [
                      ['Bounces', data.reputation.bounceRate, data.reputation.bounces, `${count(data.reputation.sent)} sent`, data.reputation.bounce],
                      [
                        'Complaints',
                        data.reputation.complaintRate,
                        data.reputation.complaints,
                        `${count(data.reputation.delivered)} delivered`,
                        data.reputation.complaint,
                      ],
                    ] as const
                  ).map(([name, value, n, of, standing]) => (
                    <tr key={name}>
                      <th scope="row">{name}</th>
                      <td>{pct.format(value)}</td>
                      <td>
                        {count(n)} of {of}
                      </td>
                      <td class={STANDING[standing].cls}>{STANDING[standing].words}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Scroll>
            {data.reputation.sent < FEW && (
              <p class="note" role="note">
                {count(data.reputation.sent)} emails are too few to judge by: one bounce moves the rate by{' '}
                {data.reputation.sent ? pct.format(1 / data.reputation.sent) : 'all of it'}. SES judges an account on a representative volume of its sending.
              </p>
            )}
          </section>
          <section aria-labelledby="account">
            <h2 id="account">Sending account</h2>
            {data.account.emulator ? (
              <p>The local SES emulator: no sandbox, no quota, no reputation. Deployed, this shows the SES account's.</p>
            ) : (
              <dl class="facts">
                <dt>Sandbox</dt>
                <dd class={data.account.sandbox ? 'verdict worse' : undefined}>
                  {data.account.sandbox ? 'yes: only verified recipients, 200 emails a day (request production access in the SES console)' : 'no'}
                </dd>
                <dt>Sending</dt>
                <dd class={data.account.sendingEnabled ? undefined : 'verdict worse'}>{data.account.sendingEnabled ? 'enabled' : 'paused'}</dd>
                {data.account.enforcement && (
                  <>
                    <dt>SES's verdict</dt>
                    <dd class={data.account.enforcement === 'HEALTHY' ? undefined : 'verdict worse'}>{data.account.enforcement}</dd>
                  </>
                )}
                {data.account.quota && (
                  <>
                    <dt>Quota</dt>
                    <dd>
                      {count(data.account.quota.sentLast24Hours)} of {count(data.account.quota.max24Hour)} in the last 24 hours, at most{' '}
                      {count(data.account.quota.maxSendRate)} a second
                    </dd>
                  </>
                )}
              </dl>
            )}
            <Scroll label="Sender identities">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Sender domain</th>
                    <th scope="col">Verified</th>
                    <th scope="col">DKIM</th>
                  </tr>
                </thead>
                <tbody>
                  {data.identities.map((i) => (
                    <tr key={i.domain}>
                      <th scope="row">{i.domain}</th>
                      <td class={i.verified === true ? undefined : 'verdict worse'}>
                        {i.verified === 'missing' ? 'no such identity in SES' : i.verified ? 'yes' : 'not yet'}
                      </td>
                      <td class={!i.dkim || i.dkim === 'SUCCESS' ? undefined : 'verdict worse'}>{i.dkim ?? '–'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Scroll>
          </section>
          {may('admin', 'marketer') && <SuppressionList />}
        </>
      )}
    </main>
  );
}

/** The account's suppression list: search an address; an admin may take one off it. */
function SuppressionList() {
  const [address, setAddress] = useState('');
  const [asked, setAsked] = useState('');
  const { note, act } = useAction();
  const { data, error, loading, reload } = useData(
    () => api<{ entries: Suppressed[]; next?: string }>(`/v1/console/suppressions${qs({ address: asked })}`),
    [asked],
  );
  const remove = (a: string) =>
    act(
      () => api<{ removed: boolean }>(`/v1/console/suppressions/${encodeURIComponent(a)}`, { method: 'DELETE' }),
      (out) => {
        reload();
        return out.removed ? `${a} is off the suppression list: SES sends to it again.` : `${a} was not on the list.`;
      },
      'Not removed',
    );
  return (
    <section aria-labelledby="suppressed">
      <h2 id="suppressed">Suppression list</h2>
      <p class="period">Addresses SES sends nothing to (hard bounces and complaints). A lead Funnel suppressed itself stays suppressed in Funnel.</p>
      <search>
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            setAsked(address.trim());
          }}
        >
          <label>
            Address <input type="email" value={address} onInput={(e) => setAddress((e.target as HTMLInputElement).value)} />
          </label>{' '}
          <button type="submit">Search</button>
        </form>
      </search>
      <StatusNote note={note} />
      {error && <ErrorNote error={error} retry={reload} />}
      {data &&
        (data.entries.length ? (
          <Scroll label="Suppressed addresses" busy={loading}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Since</th>
                  {may('admin') && <th scope="col">Action</th>}
                </tr>
              </thead>
              <tbody>
                {data.entries.map((s) => (
                  <tr key={s.address}>
                    <th scope="row">{s.address}</th>
                    <td>{s.reason === 'BOUNCE' ? 'bounced' : 'complained'}</td>
                    <td>{when(s.at)}</td>
                    {may('admin') && (
                      <td>
                        <button type="button" onClick={() => void remove(s.address)}>
                          Remove<span class="sr"> {s.address}</span>
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        ) : (
          <p>{asked ? `${asked} is not on the list.` : 'The list is empty.'}</p>
        ))}
    </section>
  );
}
