import * as z from './zod.js';
import { FieldName, text } from './fields.js';

/**
 * How a form presents itself on the page: display mode and triggers, the frequency cap, theme, strings,
 * A/B variants and progressive profiling. All of it is config, served in the form's definition
 * (`GET /v1/forms/{formId}`); the widget's loader decides from it when to show what.
 */

const int = (min: number, max: number) =>
  z
    .int('must be a whole number')
    .check(z.gte(min, `must be ${min}–${max}`))
    .check(z.lte(max, `must be ${min}–${max}`));

const trailingSlash = (p: string) => p.replace(/\/?$/, '/');

/**
 * A page path pattern: `/pricing` (that page), `/blog/*` (every page under /blog/). Trailing slashes do not
 * matter, so each is kept with one (`/pricing/`, `/blog/*`), and the widget compares the page's path, given
 * one too, as it is: equal, or starting with what comes before the `*`. Checked once normalized, so the
 * result parses again as it is (a definition is parsed by its readers too). An overwrite, not a transform:
 * the OpenAPI document keeps the defaults around it.
 */
const PathPattern = z.string().check(
  // Only a path is normalized: `''` or `*` must fail, not become `/` or `/*` (every page).
  z.overwrite((p) => (!p.startsWith('/') ? p : p.endsWith('*') ? `${trailingSlash(p.slice(0, -1))}*` : trailingSlash(p))),
  z.regex(/^\/[^\s?#*]{0,200}\*?$/, 'must be a path such as /pricing or /blog/* (no query, * only at the end, at most 200 characters)'),
);

export const DisplayMode = z.enum(['inline', 'popup', 'slide-in', 'bar']);
export type DisplayMode = z.infer<typeof DisplayMode>;

export const Display = z
  .strictObject({
    /** inline: where the snippet sits. popup: a modal dialog. slide-in: a panel in a bottom corner. bar: a strip along the top or bottom. */
    mode: z._default(DisplayMode, 'inline'),
    /** slide-in: `left` or `right` (default); bar: `top` or `bottom` (default). */
    position: z.optional(z.enum(['top', 'bottom', 'left', 'right'])),
    /**
     * When a popup, slide-in or bar opens by itself; any that fires first opens it. Without any, it opens
     * only on a click of an element with `data-funnel-open="<formId>"` (which works in every mode).
     */
    trigger: z._default(
      z.strictObject({
        /** Seconds after the page loaded. */
        afterSeconds: z.optional(int(0, 3600)),
        /** Percent of the page scrolled. */
        scrollPercent: z.optional(int(1, 100)),
        /** The pointer leaves through the top of the window (desktop only: a fine pointer). */
        exitIntent: z._default(z.boolean(), false),
      }),
      { exitIntent: false },
    ),
    /**
     * How often a popup, slide-in or bar may open by itself, kept in the visitor's browser (localStorage, no
     * cookie). A click on `data-funnel-open` always opens. An inline form is part of the page and always shows.
     */
    cap: z._default(
      z.strictObject({
        /** At most once in this many days (0: on every page view). */
        days: z._default(int(0, 365), 7),
        /** Never again once this browser submitted the form. */
        afterSubmit: z._default(z.boolean(), true),
        /** Never on these paths. */
        excludePaths: z._default(z.array(PathPattern).check(z.maxLength(50)), []),
      }),
      { days: 7, afterSubmit: true, excludePaths: [] },
    ),
  })
  .check(
    z.superRefine((d, ctx) => {
      const allowed = { inline: [], popup: [], 'slide-in': ['left', 'right'], bar: ['top', 'bottom'] }[d.mode] as string[];
      if (d.position && !allowed.includes(d.position))
        ctx.addIssue({
          code: 'custom',
          path: ['position'],
          message: allowed.length ? `must be ${allowed.join(' or ')} for mode "${d.mode}"` : `has no meaning for mode "${d.mode}"`,
        });
    }),
  );
export type Display = z.infer<typeof Display>;

/** A CSS colour the widget can put in a custom property as it is: hex only, so nothing else reaches the stylesheet. */
const Colour = z.string().check(z.regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, 'must be a hex colour such as #2563eb'));

export const Palette = z.strictObject({
  accent: z.optional(Colour),
  accentText: z.optional(Colour),
  text: z.optional(Colour),
  muted: z.optional(Colour),
  background: z.optional(Colour),
  border: z.optional(Colour),
  error: z.optional(Colour),
});

export const Theme = z.strictObject({
  ...Palette.shape,
  /** Corner radius in pixels. */
  radius: z.optional(int(0, 40)),
  /** A CSS font-family list, e.g. `Georgia, serif`. */
  font: z.optional(
    z.string().check(z.regex(/^[\w\s,'"-]{1,200}$/, 'must be a font-family list such as Georgia, serif (letters, digits, spaces, commas, quotes, dashes)')),
  ),
  /** `auto` follows the page (its color-scheme, else its background behind the form); `light` or `dark` fixes it. */
  scheme: z._default(z.enum(['auto', 'light', 'dark']), 'auto'),
  /** Colours in dark mode (the built-in dark palette where absent). */
  dark: z.optional(Palette),
});
export type Theme = z.infer<typeof Theme>;

/** Every string the form shows besides its own title, labels and button: English by default, each replaceable in the config. */
export const DEFAULT_STRINGS = {
  optional: '(optional)',
  choose: 'Choose…',
  sending: 'Sending…',
  fix: 'Please correct the highlighted fields.',
  /** A field left empty; `{label}` is the field's label. */
  required: '{label} is required.',
  /** An address that is not one. */
  email: '{label} must be an email address.',
  /** A consent box the form requires. */
  accept: 'Please tick this box.',
  offline: 'Could not reach the server. Check your connection and try again.',
  tooMany: 'Too many attempts, please wait a minute and try again.',
  failed: 'Something went wrong on our side. Please try again.',
  retry: 'Try again',
  thanks: 'Thank you!',
  confirmTitle: 'Almost there',
  confirmText: 'Check your inbox: we sent you an email to confirm your address.',
  /** The lead magnet's link; `{title}` is its title as the config gives it. */
  download: 'Download “{title}”',
  continue: 'Continue',
  close: 'Close',
} as const;
export type Strings = Record<keyof typeof DEFAULT_STRINGS, string>;

const label = z.pipe(text(300), z.string().check(z.minLength(1)));
export const StringsConfig = z.strictObject(
  Object.fromEntries(Object.keys(DEFAULT_STRINGS).map((k) => [k, z.optional(label)])) as Record<keyof typeof DEFAULT_STRINGS, z.ZodMiniOptional<typeof label>>,
);

/** A field as a form declares it. */
export const FormField = z.strictObject({
  name: FieldName,
  label: z.pipe(text(120), z.string().check(z.minLength(1))),
  required: z._default(z.boolean(), false),
  placeholder: z.optional(text(120)),
});
export type FormField = z.infer<typeof FormField>;

export const Fields = z.array(FormField).check(z.minLength(1)).check(z.maxLength(12));

/**
 * One arm of an A/B test: what differs from the form. Each visitor is assigned one variant by weight,
 * deterministically (the same browser keeps it), and the form's numbers are counted per variant.
 */
export const Variant = z.strictObject({
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,19}$/, 'must be a short slug: lower-case letters, digits and dashes, at most 20 characters')),
  weight: z._default(int(1, 100), 1),
  title: z.optional(text(200)),
  description: z.optional(text(1000)),
  submitLabel: z.optional(text(60)),
  fields: z.optional(Fields),
  display: z.optional(Display),
});
export type Variant = z.infer<typeof Variant>;

/** How many buckets browsers are spread over for A/B assignment: each browser keeps one, chosen at random. */
export const BUCKETS = 100;

/**
 * The variant a bucket (0–99) sees: variants take consecutive runs of buckets in proportion to their
 * weights. The browser keeps its bucket, so it keeps its variant while the weights stay; the server
 * chooses, so a definition is cacheable per bucket and carries one variant's content, not all of them.
 * @example variantFor([{ id: 'a', weight: 1 }, { id: 'b', weight: 3 }], 30).id // 'b' (a has buckets 0–24)
 */
export function variantFor<V extends { weight: number }>(variants: readonly V[], bucket: number): V {
  const total = variants.reduce((n, v) => n + v.weight, 0);
  let upTo = 0;
  for (const v of variants) {
    upTo += v.weight;
    if (bucket < Math.floor((upTo * BUCKETS) / total)) return v;
  }
  return variants[variants.length - 1]!;
}

/**
 * Progressive profiling: a visitor this browser knows (it holds a visitor token) is not asked again for an
 * optional field the lead already gave; each such field is replaced by the next one in this list the lead
 * has not given. Required fields are always asked: the browser may be someone else's now, and the form must
 * be able to create a lead from scratch.
 */
export const Profiling = z.strictObject({
  fields: z.array(FieldName).check(z.minLength(1)).check(z.maxLength(8)),
});

/** Every field a form or one of its variants declares, each once (the form's own declaration first). */
export function declaredFields(form: { fields: FormField[]; variants?: Variant[] | undefined }): FormField[] {
  const all = [...form.fields, ...(form.variants ?? []).flatMap((v) => v.fields ?? [])];
  return all.filter((f, i) => all.findIndex((g) => g.name === f.name) === i);
}

/** The presentation part of a form's config. */
export const PRESENTATION = {
  display: z._default(Display, Display.parse({})),
  theme: z.optional(Theme),
  strings: z.optional(StringsConfig),
  variants: z.optional(z.array(Variant).check(z.minLength(2, 'must list at least two variants')).check(z.maxLength(5))),
  profiling: z.optional(Profiling),
};

/** Mistakes in a form's presentation that its schema alone cannot see. */
export function presentationIssues(form: {
  fields: FormField[];
  variants?: Variant[] | undefined;
  profiling?: { fields: FieldName[] } | undefined;
}): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const fieldSets: [FormField[], (string | number)[]][] = [[form.fields, ['fields']]];
  const ids = new Set<string>();
  const total = form.variants?.reduce((n, v) => n + v.weight, 0) ?? 0;
  form.variants?.forEach((v, i) => {
    if ((v.weight * BUCKETS) / total < 1)
      issues.push({ path: ['variants', i, 'weight'], message: `gives this variant no browser: each variant needs at least 1% of the total weight (${total})` });
    if (ids.has(v.id)) issues.push({ path: ['variants', i, 'id'], message: `duplicate variant id "${v.id}"` });
    ids.add(v.id);
    if (v.fields) fieldSets.push([v.fields, ['variants', i, 'fields']]);
  });
  for (const [fields, path] of fieldSets) {
    if (!fields.find((f) => f.name === 'email')?.required) issues.push({ path, message: 'must include a required "email" field' });
    const names = fields.map((f) => f.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) issues.push({ path: [...path, i, 'name'], message: `duplicate field "${name}"` });
    });
  }
  form.profiling?.fields.forEach((name, i) => {
    if (name === 'email') issues.push({ path: ['profiling', 'fields', i], message: 'cannot be "email": it is always asked' });
    if (form.profiling!.fields.indexOf(name) !== i) issues.push({ path: ['profiling', 'fields', i], message: `duplicate field "${name}"` });
  });
  return issues;
}
