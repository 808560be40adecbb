import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, qs } from '../api.js';
import { useData } from '../data.js';
import { change, count, DIMENSIONS, rate, utcDay } from '../format.js';
import { siteId } from '../state.js';
import { Empty, ErrorNote, Loading, PageTitle, Scroll } from '../ui.js';
import { lastDays, RangePicker } from '../range.js';

type Metric = 'impressions' | 'submissions' | 'leads' | 'mql' | 'sql' | 'handoffs';
type Counts = Record<Metric, number>;
interface Overview {
  from: string;
  to: string;
  totals: Counts;
  previous: { from: string; to: string; totals: Counts };
  days: ({ day: string } & Counts)[];
  breakdown: { by: string; rows: ({ key: string } & Counts)[] };
}

/** The funnel's steps, in order, as the page names them. */
const STEPS: { metric: Metric; label: string; of: string }[] = [
  { metric: 'impressions', label: 'Impressions', of: 'impressions' },
  { metric: 'submissions', label: 'Submissions', of: 'submissions' },
  { metric: 'leads', label: 'New leads', of: 'new leads' },
  { metric: 'mql', label: 'MQLs', of: 'MQLs' },
  { metric: 'sql', label: 'SQLs', of: 'SQLs' },
  { metric: 'handoffs', label: 'Handed off', of: 'handed off' },
];
const BREAKDOWNS = [['form', 'Form'], ...DIMENSIONS] as const;

export default function OverviewPage() {
  const [range, setRange] = useState(lastDays(30));
  const [by, setBy] = useState<string>('form');
  const { data, error, loading, reload } = useData(
    () => api<Overview>(`/v1/console/overview${qs({ site: siteId.value, from: range.from, to: range.to, by })}`),
    [siteId.value, range.from, range.to, by],
  );
  const empty = data && STEPS.every((s) => data.totals[s.metric] === 0 && data.previous.totals[s.metric] === 0);
  return (
    <main id="main">
      <PageTitle>Overview</PageTitle>
      <RangePicker range={range} onChange={setRange} />
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && loading && <Loading what="the funnel" />}
      {data && (
        <>
          <p class="period">
            {utcDay(data.from)} to {utcDay(data.to)} (days in UTC), against {utcDay(data.previous.from)} to {utcDay(data.previous.to)}.
          </p>
          {empty ? (
            <Empty title="No numbers for these days yet">
              <p>
                Put a form on a page (<code>npm run snippet</code> prints the tag), or open the demo blog at <a href="/demo">/demo</a> and submit a form:
                impressions, submissions and leads show here within seconds.
              </p>
            </Empty>
          ) : (
            <>
              <Funnel totals={data.totals} previous={data.previous.totals} />
              <Trend days={data.days} />
              <Breakdown rows={data.breakdown.rows} by={by} onBy={setBy} loading={loading} />
            </>
          )}
        </>
      )}
    </main>
  );
}

/** The funnel: each step's count against the period before, its bar, and the rate from the step before. */
function Funnel({ totals, previous }: { totals: Counts; previous: Counts }) {
  const top = Math.max(1, ...STEPS.map((s) => totals[s.metric]));
  return (
    <section aria-labelledby="funnel-title">
      <h2 id="funnel-title">Funnel</h2>
      <ol class="funnel">
        {STEPS.map((s, i) => {
          const d = change(totals[s.metric], previous[s.metric]);
          const before = STEPS[i - 1];
          return (
            <li key={s.metric}>
              <div class="step">
                <span class="label">{s.label}</span>
                <span class="value">{count(totals[s.metric])}</span>
                <span class={`delta ${d.direction}`}>
                  {d.text} <span class="sr">against the period before ({count(previous[s.metric])})</span>
                </span>
              </div>
              <div class="track" aria-hidden="true">
                <div class="fill" style={{ width: `${(100 * totals[s.metric]) / top}%` }} />
              </div>
              {before && (
                <p class="rate">
                  {rate(totals[s.metric], totals[before.metric])} of {before.of}
                </p>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

/** Each day of the range: a line chart (uPlot) of the chosen step, and the same numbers in a table for those who do not see the chart. */
function Trend({ days }: { days: ({ day: string } & Counts)[] }) {
  const [metric, setMetric] = useState<Metric>('submissions');
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const css = getComputedStyle(document.documentElement);
    const ink = css.getPropertyValue('--ink').trim() || '#222';
    const accent = css.getPropertyValue('--accent').trim() || '#2357c6';
    const grid = css.getPropertyValue('--line').trim() || '#ddd';
    const axis = { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 220,
        scales: { x: { time: true } },
        series: [{}, { label: STEPS.find((s) => s.metric === metric)!.label, stroke: accent, width: 2, fill: `${accent}22` }],
        axes: [axis, axis],
        legend: { show: false },
        cursor: { show: true },
      },
      [days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000), days.map((d) => d[metric])],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [days, metric]);
  return (
    <section aria-labelledby="trend-title">
      <h2 id="trend-title">Each day</h2>
      <label>
        Show{' '}
        <select value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value as Metric)}>
          {STEPS.map((s) => (
            <option value={s.metric} key={s.metric}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <div ref={box} class="chart" role="img" aria-label={`${STEPS.find((s) => s.metric === metric)!.label} per day; the table below has the numbers`} />
      <details>
        <summary>The numbers per day</summary>
        <table>
          <caption>Per UTC day</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {STEPS.map((s) => (
                <th scope="col" key={s.metric}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((d) => (
              <tr key={d.day}>
                <th scope="row">{utcDay(d.day)}</th>
                {STEPS.map((s) => (
                  <td key={s.metric}>{count(d[s.metric])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

type SortKey = Metric | 'key' | 'conversion';

/** The range broken down by form, variant, UTM values, referrer or page: counts and rates, sortable. */
function Breakdown({ rows, by, onBy, loading }: { rows: ({ key: string } & Counts)[]; by: string; onBy: (by: string) => void; loading: boolean }) {
  const [sort, setSort] = useState<{ key: SortKey; down: boolean }>({ key: 'submissions', down: true });
  const value = (r: { key: string } & Counts, k: SortKey): number | string =>
    k === 'key' ? r.key : k === 'conversion' ? (r.impressions ? r.submissions / r.impressions : -1) : r[k];
  const sorted = [...rows].sort((a, b) => {
    const [x, y] = [value(a, sort.key), value(b, sort.key)];
    const order = typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number);
    return sort.down ? -order : order;
  });
  const header = (k: SortKey, label: string) => (
    <th scope="col" aria-sort={sort.key === k ? (sort.down ? 'descending' : 'ascending') : 'none'}>
      <button type="button" onClick={() => setSort({ key: k, down: sort.key === k ? !sort.down : k !== 'key' })}>
        {label}
      </button>
    </th>
  );
  const label = BREAKDOWNS.find(([b]) => b === by)?.[1] ?? by;
  return (
    <section aria-labelledby="breakdown-title">
      <h2 id="breakdown-title">Broken down</h2>
      <label>
        By{' '}
        <select value={by} onChange={(e) => onBy((e.target as HTMLSelectElement).value)}>
          {BREAKDOWNS.map(([b, l]) => (
            <option value={b} key={b}>
              {l}
            </option>
          ))}
        </select>
      </label>
      {(by === 'medium' || by === 'referrer') && <p class="note">The widget’s impressions carry no medium or referrer: they count under “(none)” here.</p>}
      <Scroll label="The breakdown table" busy={loading}>
        <table>
          <caption>By {label.toLowerCase()}, for the whole range; rates are each step against the one before</caption>
          <thead>
            <tr>
              {header('key', label)}
              {header('impressions', 'Impressions')}
              {header('submissions', 'Submissions')}
              {header('conversion', 'Conversion')}
              {header('leads', 'New leads')}
              {header('mql', 'MQLs')}
              {header('sql', 'SQLs')}
              {header('handoffs', 'Handed off')}
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.key}</th>
                <td>{count(r.impressions)}</td>
                <td>{count(r.submissions)}</td>
                <td>{rate(r.submissions, r.impressions)}</td>
                <td>
                  {count(r.leads)} <span class="muted">({rate(r.leads, r.submissions)})</span>
                </td>
                <td>
                  {count(r.mql)} <span class="muted">({rate(r.mql, r.leads)})</span>
                </td>
                <td>
                  {count(r.sql)} <span class="muted">({rate(r.sql, r.mql)})</span>
                </td>
                <td>
                  {count(r.handoffs)} <span class="muted">({rate(r.handoffs, r.sql)})</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Scroll>
    </section>
  );
}
