import { useState } from 'preact/hooks';

const PRESETS = [7, 30, 90] as const;

const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** The last `n` UTC days, today included. */
export const lastDays = (n: number) => ({ from: daysAgo(n - 1), to: today() });

/** A range of UTC days: the last 7, 30 or 90, or any two dates. */
export function RangePicker({ range, onChange }: { range: { from: string; to: string }; onChange: (r: { from: string; to: string }) => void }) {
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  return (
    <form
      class="range"
      aria-label="Date range"
      onSubmit={(e) => {
        e.preventDefault();
        if (from && to && from <= to) onChange({ from, to });
      }}
    >
      {PRESETS.map((n) => (
        <button
          type="button"
          key={n}
          aria-pressed={range.from === daysAgo(n - 1) && range.to === today()}
          onClick={() => {
            setFrom(daysAgo(n - 1));
            setTo(today());
            onChange({ from: daysAgo(n - 1), to: today() });
          }}
        >
          Last {n} days
        </button>
      ))}
      <label>
        From <input type="date" value={from} max={to} required onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        To <input type="date" value={to} min={from} required onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit">Show</button>
    </form>
  );
}
