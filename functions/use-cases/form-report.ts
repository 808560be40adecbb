import { submissionAnswer, variantView } from '../core/capture.js';
import type { FormView, SubmissionResponse } from '../core/contracts.js';
import { DEFAULT_STRINGS } from '../core/presentation.js';
import { compareVariants, wilsonInterval, type AbResult, type Interval } from '../core/ab-test.js';
import { UnknownFormError } from '../core/errors.js';
import type { Person } from '../core/people.js';
import { type FormReportQuery, STAT_METRICS, addCounts, statRange, type StatDimension, type StatMetric } from '../core/stats.js';
import type * as z from '../core/zod.js';
import { siteFor } from './console.js';
import type { Deps } from './deps.js';

type Counts = Record<StatMetric, number>;
/** Counts with the conversion rate (submissions per impression) and its 95% interval: a rate never goes without its sample. */
export type RatedCounts = Counts & { conversion: { rate: number; interval: Interval } };

const rated = (c: Partial<Record<string, number>>): RatedCounts => {
  const counts = Object.fromEntries(STAT_METRICS.map((m) => [m, c[m] ?? 0])) as Counts;
  return {
    ...counts,
    conversion: { rate: counts.impressions ? counts.submissions / counts.impressions : 0, interval: wilsonInterval(counts.submissions, counts.impressions) },
  };
};

/** The counts of several counter cells added up. */
const sum = (cells: readonly { counts: Partial<Record<string, number>> }[]) =>
  cells.reduce((s, c) => addCounts(s, c.counts), {} as Partial<Record<string, number>>);

/** The forms of the console's forms page: each with its display and its numbers over the range. */
export async function formsReport(
  deps: Pick<Deps, 'config' | 'clock' | 'stats'>,
  person: Person,
  query: { site?: string | undefined; from?: string; to?: string },
) {
  const siteId = siteFor(deps, person, query.site);
  const range = statRange(deps.clock.now(), query);
  const site = deps.config.findSite(siteId)!;
  const cells = await Promise.all(site.forms.map((f) => deps.stats.read(siteId, f.id, 'all', range.from, range.to)));
  return {
    siteId,
    from: range.from,
    to: range.to,
    forms: site.forms.map((form, i) => ({
      formId: form.id,
      kind: form.kind,
      title: form.title,
      display: form.display,
      variants: (form.variants ?? []).map((v) => v.id),
      totals: rated(sum(cells[i]!)),
    })),
  };
}

/** The form and its site, if it is on a site `person` may see: 404 otherwise, as for a form that does not exist. @throws UnknownFormError */
function visibleForm(deps: Pick<Deps, 'config'>, person: Person, formId: string) {
  const found = deps.config.findForm(formId);
  if (!found) throw new UnknownFormError(formId);
  try {
    siteFor(deps, person, found.site.id);
  } catch {
    throw new UnknownFormError(formId);
  }
  return found;
}

/**
 * One form's page: how it is shown (mode, triggers, cap, variants), its numbers each day, by page or
 * source, and its A/B test. Three Queries of the form's counters, whatever the number of leads.
 * 1. the form, on a site the person may see (else answered like a missing one)
 * 2. its counters over the range: all, by variant, by the breakdown
 * 3. each variant against the control (the first the config lists): rate and interval, uplift and the
 *    difference's interval, p-value, and a verdict only at the planned sample (core/ab-test.ts)
 * @throws UnknownFormError | ValidationError
 */
export async function formReport(deps: Pick<Deps, 'config' | 'clock' | 'stats'>, person: Person, formId: string, query: z.infer<typeof FormReportQuery>) {
  const found = visibleForm(deps, person, formId);
  const range = statRange(deps.clock.now(), query);
  const { from, to } = range;
  const siteId = found.site.id;
  const form = found.form;
  const [all, byVariant, split] = await Promise.all([
    deps.stats.read(siteId, formId, 'all', from, to),
    form.variants ? deps.stats.read(siteId, formId, 'variant', from, to) : Promise.resolve([]),
    deps.stats.read(siteId, formId, query.by as StatDimension, from, to),
  ]);
  const days = new Map<string, Partial<Record<string, number>>>(range.days.map((day) => [day, {}]));
  for (const c of all) addCounts(days.get(c.day) ?? {}, c.counts);
  const byKey = new Map<string, { counts: Partial<Record<string, number>> }[]>();
  for (const c of split) byKey.set(c.value, [...(byKey.get(c.value) ?? []), c]);
  let abTest: AbResult | undefined;
  if (form.variants) {
    const perVariant = new Map(form.variants.map((v) => [v.id, {} as Partial<Record<string, number>>]));
    for (const c of byVariant) if (perVariant.has(c.value)) addCounts(perVariant.get(c.value)!, c.counts);
    abTest = compareVariants(
      form.variants.map((v) => ({ variant: v.id, impressions: perVariant.get(v.id)!.impressions ?? 0, submissions: perVariant.get(v.id)!.submissions ?? 0 })),
      form.variants[0]!.id,
    );
  }
  return {
    siteId,
    formId,
    kind: form.kind,
    title: form.title,
    display: form.display,
    variants: (form.variants ?? []).map((v) => ({ id: v.id, weight: v.weight })),
    from,
    to,
    totals: rated(sum(all)),
    days: [...days].map(([day, counts]) => ({ day, ...rated(counts) })),
    breakdown: {
      by: query.by,
      rows: [...byKey]
        .map(([key, cells]) => ({ key, ...rated(sum(cells)) }))
        .sort((a, b) => b.impressions - a.impressions || b.submissions - a.submissions || a.key.localeCompare(b.key))
        .slice(0, 100),
    },
    ...(abTest && { abTest }),
  };
}

/** The console's live preview of a form: what the widget renders, and what a visitor's submission answers. */
export interface FormPreview {
  formId: string;
  siteId: string;
  /** Each variant's definition (the form as written when it has none), with the strings of every display mode. */
  views: Omit<FormView, 'proof'>[];
  /** What the API answers a new visitor's submission: the panel the widget shows next. */
  answer: SubmissionResponse;
}

/**
 * `GET /v1/console/forms/{formId}/preview`: the definitions the public route serves for the form, one per
 * A/B variant, for the widget to render in the console (no impression proof: a preview is never counted),
 * with the close button's words whatever the mode (the console previews every mode), and the answer a
 * submission gets, which the preview shows instead of sending anything. @throws UnknownFormError
 */
export function formPreview(deps: Pick<Deps, 'config' | 'clock'>, person: Person, formId: string): FormPreview {
  const { site, form } = visibleForm(deps, person, formId);
  const now = deps.clock.now();
  const views = (form.variants ?? [undefined]).map((variant) => {
    const view = variantView(site, form, now, variant);
    return { ...view, strings: { close: form.strings?.close ?? DEFAULT_STRINGS.close, ...view.strings } };
  });
  return {
    formId,
    siteId: site.id,
    views,
    answer: { submissionId: 'preview', ...submissionAnswer(form) },
  };
}
