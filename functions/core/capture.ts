import * as z from './zod.js';
import type { Form, Site } from './config.js';
import { FormKind } from './config.js';
import { type ConsentRecord, type FormFieldView, type FormSubmittedEntry, type FormView, type Next, SubmissionBody } from './contracts.js';
import { DEFAULT_STRINGS, type FormField, type Strings, declaredFields, variantFor } from './presentation.js';
import { SubmissionContext, type Utm } from './contracts.js';
import { ValidationError } from './errors.js';
import { ClientId, FIELD_INPUTS, FIELD_RULES, type FieldName, type Profile } from './fields.js';
import { fieldErrors } from './field-errors.js';

/** Longest value each field accepts; the widget mirrors it as `maxlength`. */
const MAX_LENGTH: Partial<Record<FieldName, number>> = { email: 254, firstName: 100, lastName: 100, company: 200, jobTitle: 150, phone: 40, country: 2 };

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function fieldRule(name: FieldName, required: boolean) {
  const rule = FIELD_RULES[name];
  const asString = z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') });
  // `z.preprocess` is this pipe in zod classic; zod/mini spells it out.
  const blankIsMissing = z.transform(emptyToUndefined);
  return required ? z.pipe(blankIsMissing, z.pipe(asString, rule)) : z.pipe(blankIsMissing, z.optional(rule));
}

const schemaCache = new WeakMap<Form, Map<string, z.ZodMiniType<ValidSubmission>>>();
/** The schema key of a submission naming a variant the form does not have. */
const STALE = '\u0000stale';

export interface ValidSubmission extends Omit<SubmissionBody, 'fields'> {
  fields: { email: string } & Profile;
}

/**
 * The submission contract for one form (and A/B variant): `fields` accepts exactly the fields the form (or
 * the variant) declares, with their required flags, and the fields progressive profiling may ask instead,
 * optional; an undeclared field is an error rather than silently stored.
 */
export function submissionSchemaFor(form: Form, variantId?: string): z.ZodMiniType<ValidSubmission> {
  const forForm = schemaCache.get(form) ?? new Map<string, z.ZodMiniType<ValidSubmission>>();
  schemaCache.set(form, forForm);
  const cached = forForm.get(variantId ?? '');
  if (cached) return cached;
  // A variant the config no longer has (STALE): any field the form or a variant declares, only email required.
  const declared =
    variantId === STALE
      ? declaredFields(form).map((f) => ({ ...f, required: f.name === 'email' }))
      : (form.variants?.find((v) => v.id === variantId)?.fields ?? form.fields);
  const asked = [
    ...declared.map((f) => [f.name, fieldRule(f.name, f.required)] as const),
    ...(form.profiling?.fields ?? []).filter((name) => !declared.some((f) => f.name === name)).map((name) => [name, fieldRule(name, false)] as const),
  ];
  const variants = form.variants?.map((v) => v.id) ?? [];
  const fields = z.strictObject(Object.fromEntries(asked), {
    error: (iss) => (iss.input === undefined ? 'is required' : 'must be an object'),
  });
  const consent = form.consent
    ? z.optional(z.strictObject({ marketing: z.boolean({ error: 'must be true or false' }) }))
    : // Optional like the key itself: the widget sends no `consent` for a form that asks none.
      z.optional(z.undefined({ error: 'this form asks for no consent' }));
  const schema = z
    .strictObject(
      {
        submissionId: z.optional(ClientId),
        fields,
        consent,
        variant: variants.length
          ? z.optional(z.enum(variants as [string, ...string[]], { error: `must be one of ${variants.join(', ')}` }))
          : z.optional(z.undefined({ error: 'this form has no variants' })),
        context: z.optional(SubmissionContext),
        hp: SubmissionBody.shape.hp,
        startedAt: SubmissionBody.shape.startedAt,
        visitorToken: SubmissionBody.shape.visitorToken,
      },
      { error: (iss) => (iss.code === 'invalid_type' ? 'body must be a JSON object' : undefined) },
    )
    .check(
      z.superRefine((body, ctx) => {
        if (form.consent?.marketing.required && body.consent?.marketing !== true) {
          ctx.addIssue({ code: 'custom', path: ['consent', 'marketing'], message: 'must be accepted to submit this form' });
        }
      }),
    ) as unknown as z.ZodMiniType<ValidSubmission>;
  forForm.set(variantId ?? '', schema);
  return schema;
}

/**
 * Validate a parsed JSON body against the form's contract.
 * @throws ValidationError naming every bad field
 */
export function validateSubmission(form: Form, body: unknown): ValidSubmission {
  const named = (body as { variant?: unknown } | null)?.variant;
  const known = typeof named === 'string' && form.variants?.some((v) => v.id === named);
  // A page open since before a test ended (or a variant renamed) must not lose its lead: the submission is
  // taken without its variant, against every field the form or a variant declares.
  const stale = typeof named === 'string' && !known;
  const result = submissionSchemaFor(form, known ? named : stale ? STALE : undefined).safeParse(stale ? { ...(body as object), variant: undefined } : body);
  if (!result.success) throw new ValidationError(fieldErrors(result.error));
  return result.data;
}

/** Why a submission looks automated, if it does. Bots are answered as if accepted and never emailed. */
export function spamReason(form: Form, body: Pick<SubmissionBody, 'hp' | 'startedAt'>, now: Date): SpamReason | undefined {
  if (body.hp && body.hp.trim() !== '') return 'honeypot';
  // Leaving the timer out (or sending 0, or any time before forms existed) must not skip the trap.
  if (body.startedAt === undefined || body.startedAt < EARLIEST_STARTED_AT) return 'no-timer';
  // startedAt is in server time (the widget corrects for the visitor's clock), so a negative elapsed time is a forgery too.
  if (now.getTime() - body.startedAt < form.minFillMs) return 'too-fast';
  return undefined;
}

export type SpamReason = 'honeypot' | 'too-fast' | 'no-timer';

/** The earliest plausible `startedAt` (2020-01-01): anything before is not a time a form was shown. */
export const EARLIEST_STARTED_AT = Date.UTC(2020, 0, 1);

/** What a submission is answered (besides its id): what comes next, and the form's own message. */
export function submissionAnswer(form: Form): { next: Next; message?: string } {
  return { next: nextStep(form), ...(form.successMessage && { message: form.successMessage }) };
}

/** What the widget shows after a successful submission. */
export function nextStep(form: Form): Next {
  if (form.doubleOptIn) return { type: 'confirm-email' };
  if (form.kind === FormKind.GatedContent) return { type: 'download', url: form.leadMagnet.url };
  if (form.trialUrl) return { type: 'redirect', url: form.trialUrl };
  return { type: 'message', text: form.successMessage ?? 'Thanks! You are signed up.' };
}

/** The auditable consent record: the exact words shown, their version, when, and on which form. */
export function consentRecord(form: Form, body: Pick<ValidSubmission, 'consent'>, at: string): ConsentRecord | undefined {
  const asked = form.consent?.marketing;
  if (!asked) return undefined;
  return { granted: body.consent?.marketing === true, text: asked.text, version: asked.version, formId: form.id, at };
}

export function timelineEntry(
  form: Form,
  submissionId: string,
  body: ValidSubmission,
  at: string,
  userAgent: string | undefined,
  consent: ConsentRecord | undefined,
): FormSubmittedEntry {
  const ctx = body.context ?? {};
  return {
    type: 'form_submitted',
    at,
    submissionId,
    formId: form.id,
    formKind: form.kind,
    ...(body.variant && { variant: body.variant }),
    ...(ctx.pageUrl && { pageUrl: ctx.pageUrl }),
    ...(ctx.referrer && { referrer: ctx.referrer }),
    ...(ctx.utm && hasAny(ctx.utm) && { utm: compact(ctx.utm) }),
    ...(userAgent && { userAgent: userAgent.slice(0, 512) }),
    ...(consent && { consent }),
  };
}

const hasAny = (utm: Utm) => Object.values(utm).some((v) => v !== undefined && v !== '');
const compact = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;

/** The profile values a submission supplies (email excluded: it is the lead's identity). */
export function profileOf(body: ValidSubmission): Profile {
  const { email: _email, ...rest } = body.fields;
  return compact(rest);
}

/** What the widget renders for one declared field. */
function fieldView(f: Pick<FormField, 'name' | 'label' | 'required' | 'placeholder'>): FormFieldView {
  const input = FIELD_INPUTS[f.name];
  return {
    name: f.name,
    label: f.label,
    required: f.required,
    type: input.type,
    autocomplete: input.autocomplete,
    ...(f.placeholder && { placeholder: f.placeholder }),
    ...(input.options && { options: [...input.options] }),
    ...(MAX_LENGTH[f.name] && { maxLength: MAX_LENGTH[f.name] }),
  };
}

/** A field asked by progressive profiling: labelled like the form's own, or by its name's label, and optional. */
const PROFILE_LABELS: Record<FieldName, string> = {
  email: 'Email',
  firstName: 'First name',
  lastName: 'Last name',
  company: 'Company',
  jobTitle: 'Job title',
  companySize: 'Company size',
  phone: 'Phone',
  country: 'Country (two-letter code)',
};

/**
 * The strings a form can show, the config's or the English default, and no others (each definition is on
 * the path of every page view): `close` only where a display floats, `choose` only with a select, `accept`
 * only for a required consent box, the confirmation's only with double opt-in, `download` or `continue`
 * only for the kind that offers it. `retry` is never shown from a definition (a failed load has none).
 */
function stringsFor(form: Form): Partial<Strings> {
  const all: Strings = { ...DEFAULT_STRINGS, ...form.strings };
  const names = [...declaredFields(form).map((f) => f.name), ...(form.profiling?.fields ?? [])];
  const shown: Record<keyof Strings, boolean> = {
    ...(Object.fromEntries(Object.keys(all).map((k) => [k, true])) as Record<keyof Strings, boolean>),
    close: [form.display, ...(form.variants ?? []).map((v) => v.display)].some((d) => d && d.mode !== 'inline'),
    choose: names.some((n) => FIELD_INPUTS[n].type === 'select'),
    accept: form.consent?.marketing.required === true,
    confirmTitle: form.doubleOptIn,
    confirmText: form.doubleOptIn,
    download: form.kind === FormKind.GatedContent,
    continue: form.kind === FormKind.FreeTrial,
    retry: false,
  };
  return Object.fromEntries(Object.entries(all).filter(([k]) => shown[k as keyof Strings]));
}

/**
 * `GET /v1/forms/{formId}`: the public definition the widget renders. A form with A/B variants is shown as
 * the variant of the browser's `bucket` (0–99; 0 when absent), with that variant's changes applied.
 */
export function formView(site: Site, form: Form, now: Date, bucket = 0): FormView {
  return variantView(site, form, now, form.variants && variantFor(form.variants, bucket));
}

/** The definition of `form` as `variant` shows it (none: the form as written); the console's preview shows each. */
export function variantView(site: Site, form: Form, now: Date, variant?: NonNullable<Form['variants']>[number]): FormView {
  const shown = { ...form, ...(variant && { ...variant, id: form.id }) };
  return {
    id: form.id,
    siteId: site.id,
    kind: form.kind,
    title: shown.title,
    ...(shown.description && { description: shown.description }),
    submitLabel: shown.submitLabel,
    fields: shown.fields.map(fieldView),
    ...(form.consent && { consent: { marketing: { ...form.consent.marketing } } }),
    ...(form.kind === FormKind.GatedContent && { leadMagnet: { title: form.leadMagnet.title, format: form.leadMagnet.format } }),
    doubleOptIn: form.doubleOptIn,
    display: shown.display.mode === 'inline' ? { mode: 'inline' as const } : shown.display,
    ...(form.theme && { theme: form.theme }),
    strings: stringsFor(form),
    ...(variant && { variant: variant.id }),
    ...(form.profiling && {
      progressive: form.profiling.fields.map((name) =>
        fieldView({ name, label: form.fields.find((f) => f.name === name)?.label ?? PROFILE_LABELS[name], required: false }),
      ),
    }),
    serverTime: now.getTime(),
  };
}
