import { useState } from 'preact/hooks';
import { useRoute } from 'preact-iso/router';
import { api, qs } from '../api.js';
import { useData } from '../data.js';
import { count, DIMENSIONS, utcDay } from '../format.js';
import { lastDays, RangePicker } from '../range.js';
import { siteId } from '../state.js';
import { Empty, ErrorNote, Loading, PageTitle, Scroll } from '../ui.js';
import { FormPreview } from './form-preview.js';

interface Interval {
  low: number;
  high: number;
}
interface Rated {
  impressions: number;
  submissions: number;
  leads: number;
  mql: number;
  sql: number;
  handoffs: number;
  conversion: { rate: number; interval: Interval };
}
interface Display {
  mode: string;
  position?: string;
  trigger: { afterSeconds?: number; scrollPercent?: number; exitIntent: boolean };
  cap: { days: number; afterSubmit: boolean; excludePaths: string[] };
}
interface FormsAnswer {
  from: string;
  to: string;
  forms: { formId: string; kind: string; title: string; display: Display; variants: string[]; totals: Rated }[];
}
interface Variant {
  variant: string;
  impressions: number;
  submissions: number;
  rate: number;
  interval: Interval;
  vsControl?: { uplift: number; difference: Interval; pValue: number };
  verdict: 'control' | 'collecting' | 'better' | 'worse' | 'no clear difference';
}
interface FormAnswer {
  formId: string;
  kind: string;
  title: string;
  display: Display;
  from: string;
  to: string;
  totals: Rated;
  days: ({ day: string } & Rated)[];
  breakdown: { by: string; rows: ({ key: string } & Rated)[] };
  abTest?: { control: string; plannedSample: number; threshold: number; variants: Variant[] };
}

const pct = new Intl.NumberFormat(undefined, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
const signedPct = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1, signDisplay: 'exceptZero' });
const points = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x * 100).toFixed(1)} pts`;

/** A rate as people should read it: the rate, the 95% interval it lies in, and the sample behind it. */
const Rate = ({ r }: { r: Rated }) =>
  r.impressions ? (
    <>
      {pct.format(r.conversion.rate)}{' '}
      <span class="muted">
        ({pct.format(r.conversion.interval.low)} to {pct.format(r.conversion.interval.high)})
      </span>
    </>
  ) : (
    <span class="muted">no impressions</span>
  );

/** How a form shows itself, in words. */
function displayWords(d: Display): string {
  const how = d.mode === 'inline' ? 'inline, where the snippet is' : `${d.mode}${d.position ? ` (${d.position})` : ''}`;
  if (d.mode === 'inline') return how;
  const triggers = [
    d.trigger.afterSeconds !== undefined && `after ${d.trigger.afterSeconds} s`,
    d.trigger.scrollPercent !== undefined && `at ${d.trigger.scrollPercent}% scrolled`,
    d.trigger.exitIntent && 'on exit intent',
  ].filter(Boolean);
  const cap = d.cap.days ? `at most once in ${d.cap.days} days` : 'on every page view';
  return `${how}; opens ${triggers.length ? triggers.join(', or ') : 'on a click only'}; ${cap}${d.cap.afterSubmit ? ', never after a submission' : ''}`;
}

export default function FormsPage() {
  const { params } = useRoute();
  return params.formId ? <FormPage formId={params.formId} /> : <FormList />;
}

function FormList() {
  const [range, setRange] = useState(lastDays(30));
  const { data, error, loading, reload } = useData(
    () => api<FormsAnswer>(`/v1/console/forms${qs({ site: siteId.value, from: range.from, to: range.to })}`),
    [siteId.value, range.from, range.to],
  );
  return (
    <main id="main">
      <PageTitle>Forms</PageTitle>
      <RangePicker range={range} onChange={setRange} />
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && loading && <Loading what="the forms" />}
      {data && (
        <>
          <p class="period">
            {utcDay(data.from)} to {utcDay(data.to)} (days in UTC). A conversion rate is submissions per impression, with the range it lies in 19 times in 20.
          </p>
          <Scroll label="Forms" busy={loading}>
            <table>
              <caption class="sr">Each form over the range</caption>
              <thead>
                <tr>
                  <th scope="col">Form</th>
                  <th scope="col">Shown</th>
                  <th scope="col">Impressions</th>
                  <th scope="col">Submissions</th>
                  <th scope="col">Conversion (95% interval)</th>
                  <th scope="col">New leads</th>
                  <th scope="col">MQLs</th>
                  <th scope="col">SQLs</th>
                </tr>
              </thead>
              <tbody>
                {data.forms.map((f) => (
                  <tr key={f.formId}>
                    <th scope="row">
                      <a href={`/console/forms/${encodeURIComponent(f.formId)}${qs({ site: siteId.value })}`}>{f.title}</a>{' '}
                      <span class="muted">
                        ({f.formId}
                        {f.variants.length ? `, A/B: ${f.variants.join(' vs ')}` : ''})
                      </span>
                    </th>
                    <td>{f.display.mode}</td>
                    <td>{count(f.totals.impressions)}</td>
                    <td>{count(f.totals.submissions)}</td>
                    <td>
                      <Rate r={f.totals} />
                    </td>
                    <td>{count(f.totals.leads)}</td>
                    <td>{count(f.totals.mql)}</td>
                    <td>{count(f.totals.sql)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Scroll>
        </>
      )}
    </main>
  );
}

/** A form's page breaks its numbers down by any dimension but the variant (its A/B test has those). */
const BREAKDOWNS = DIMENSIONS.filter(([d]) => d !== 'variant');

function FormPage({ formId }: { formId: string }) {
  const [range, setRange] = useState(lastDays(30));
  const [by, setBy] = useState('page');
  const { data, error, loading, reload } = useData(
    () => api<FormAnswer>(`/v1/console/forms/${encodeURIComponent(formId)}${qs({ from: range.from, to: range.to, by })}`),
    [formId, range.from, range.to, by],
  );
  return (
    <main id="main">
      <PageTitle>{data ? `Form: ${data.title}` : 'Form'}</PageTitle>
      <p>
        <a href={`/console/forms${qs({ site: siteId.value })}`}>All forms</a>
      </p>
      <RangePicker range={range} onChange={setRange} />
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && loading && <Loading what="the form" />}
      {data && (
        <>
          <dl class="facts">
            <dt>Form</dt>
            <dd>
              {data.formId} ({data.kind})
            </dd>
            <dt>Shown</dt>
            <dd>{displayWords(data.display)}</dd>
            <dt>Over the range</dt>
            <dd>
              {count(data.totals.impressions)} impressions, {count(data.totals.submissions)} submissions, conversion <Rate r={data.totals} />;{' '}
              {count(data.totals.leads)} new leads, {count(data.totals.mql)} MQLs, {count(data.totals.sql)} SQLs
            </dd>
          </dl>
          {data.abTest && <AbTest test={data.abTest} />}
          <section aria-labelledby="days-title">
            <h2 id="days-title">Each day</h2>
            <Scroll label="Each day" busy={loading}>
              <RatedTable first="Day" rows={data.days.map((d) => ({ ...d, key: utcDay(d.day) }))} />
            </Scroll>
          </section>
          <section aria-labelledby="by-title">
            <h2 id="by-title">Where it converts</h2>
            <label>
              By{' '}
              <select value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value)}>
                {BREAKDOWNS.map(([b, l]) => (
                  <option value={b} key={b}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
            {data.breakdown.rows.length ? (
              <Scroll label="Broken down" busy={loading}>
                <RatedTable first={BREAKDOWNS.find(([b]) => b === by)?.[1] ?? by} rows={data.breakdown.rows} />
              </Scroll>
            ) : (
              <Empty title="Nothing in this range">
                <p>No impression or submission of this form in these days.</p>
              </Empty>
            )}
          </section>
          <FormPreview key={formId} formId={formId} />
        </>
      )}
    </main>
  );
}

function RatedTable({ first, rows }: { first: string; rows: ({ key: string } & Rated)[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{first}</th>
          <th scope="col">Impressions</th>
          <th scope="col">Submissions</th>
          <th scope="col">Conversion (95% interval)</th>
          <th scope="col">New leads</th>
          <th scope="col">MQLs</th>
          <th scope="col">SQLs</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key}>
            <th scope="row">{r.key}</th>
            <td>{count(r.impressions)}</td>
            <td>{count(r.submissions)}</td>
            <td>
              <Rate r={r} />
            </td>
            <td>{count(r.leads)}</td>
            <td>{count(r.mql)}</td>
            <td>{count(r.sql)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const VERDICTS: Record<Variant['verdict'], string> = {
  control: 'control',
  collecting: 'too early: collecting',
  better: 'better than the control',
  worse: 'worse than the control',
  'no clear difference': 'no clear difference',
};

/** The A/B test: each variant's rate with its interval, against the control, and a verdict only at the planned sample. */
function AbTest({ test }: { test: NonNullable<FormAnswer['abTest']> }) {
  const smallest = Math.min(...test.variants.map((v) => v.impressions));
  return (
    <section aria-labelledby="ab-title">
      <h2 id="ab-title">A/B test</h2>
      <p class="note" role="note">
        Decide at <strong>{count(test.plannedSample)} impressions per variant</strong> (enough to see a 20% uplift on the control’s rate 8 times in 10); the
        smallest variant has {count(smallest)}. Until then no winner is named, however good one looks: checking every day and stopping at the first
        “significant” result finds winners in pure noise. A variant differs when its p-value is under {test.threshold.toFixed(3)} (0.05 shared among{' '}
        {test.variants.length - 1} comparison{test.variants.length > 2 ? 's' : ''}).
      </p>
      <Scroll label="A/B test">
        <table>
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Impressions</th>
              <th scope="col">Submissions</th>
              <th scope="col">Conversion (95% interval)</th>
              <th scope="col">Uplift</th>
              <th scope="col">Difference (95% interval)</th>
              <th scope="col">p-value</th>
              <th scope="col">Verdict</th>
            </tr>
          </thead>
          <tbody>
            {test.variants.map((v) => (
              <tr key={v.variant}>
                <th scope="row">{v.variant}</th>
                <td>{count(v.impressions)}</td>
                <td>{count(v.submissions)}</td>
                <td>
                  {v.impressions ? pct.format(v.rate) : '–'}{' '}
                  {v.impressions > 0 && (
                    <span class="muted">
                      ({pct.format(v.interval.low)} to {pct.format(v.interval.high)})
                    </span>
                  )}
                </td>
                <td>{v.vsControl ? signedPct.format(v.vsControl.uplift) : '–'}</td>
                <td>{v.vsControl ? `${points(v.vsControl.difference.low)} to ${points(v.vsControl.difference.high)}` : '–'}</td>
                <td>{v.vsControl ? (v.vsControl.pValue < 0.001 ? '< 0.001' : v.vsControl.pValue.toFixed(3)) : '–'}</td>
                <td class={`verdict ${v.verdict.replace(/ /g, '-')}`}>{VERDICTS[v.verdict]}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </section>
  );
}
