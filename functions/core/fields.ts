import * as z from './zod.js';

/**
 * The catalogue of lead fields a form may declare. Each field has one server-side rule, so a form can
 * only ever collect data Funnel knows how to validate, store and score.
 */
export const CompanySize = z.enum(['1-10', '11-50', '51-200', '201-1000', '1001-5000', '5001+']);
export type CompanySize = z.infer<typeof CompanySize>;

/** Control characters (C0, DEL, C1) and bidi overrides have no place in a name or a job title. */
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** A single-line, trimmed, bounded, printable string. */
export const text = (max: number) =>
  z.pipe(
    z
      .string()
      .check(z.maxLength(max, `must be at most ${max} characters`))
      .check(z.refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')),
    z.transform((s) => s.trim()),
  );

export const Email = z.pipe(
  z.pipe(
    z
      .string()
      .check(z.maxLength(254, 'must be at most 254 characters'))
      .check(z.refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')),
    z.transform((s) => s.trim()),
  ),
  z.email('must be a valid email address'),
);

export const FIELD_RULES = {
  email: Email,
  firstName: text(100),
  lastName: text(100),
  company: text(200),
  jobTitle: text(150),
  companySize: CompanySize,
  phone: z
    .string()
    .check(z.maxLength(40, 'must be at most 40 characters'))
    .check(z.regex(/^\+?[0-9 ().-]{4,40}$/, 'must be a phone number')),
  country: z.pipe(
    z.string().check(z.regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166 country code')),
    z.transform((s) => s.toUpperCase()),
  ),
} as const;

export const FieldName = z.enum(Object.keys(FIELD_RULES) as [keyof typeof FIELD_RULES, ...(keyof typeof FIELD_RULES)[]]);
export type FieldName = z.infer<typeof FieldName>;

/** What the widget renders for a field: an input type, and options where the value is a choice. */
export const FIELD_INPUTS: Record<FieldName, { type: 'email' | 'text' | 'tel' | 'select'; autocomplete: string; options?: readonly string[] }> = {
  email: { type: 'email', autocomplete: 'email' },
  firstName: { type: 'text', autocomplete: 'given-name' },
  lastName: { type: 'text', autocomplete: 'family-name' },
  company: { type: 'text', autocomplete: 'organization' },
  jobTitle: { type: 'text', autocomplete: 'organization-title' },
  companySize: { type: 'select', autocomplete: 'off', options: CompanySize.options },
  phone: { type: 'tel', autocomplete: 'tel' },
  country: { type: 'text', autocomplete: 'country' },
};

/** Profile values as stored on a lead (every field but the email, which is the lead's identity). */
export type Profile = Partial<Record<Exclude<FieldName, 'email'>, string>>;

/**
 * An id a client generates once per thing it sends (a submission attempt, an event), so a retry is recorded
 * once: a UUID, or any 16–64 letters, digits, dashes and underscores (the widget sends 128 random bits as
 * four numbers, which needs no UUID code).
 */
export const ClientId = z.string().check(z.regex(/^[A-Za-z0-9_-]{16,64}$/, 'must be 16–64 letters, digits, dashes or underscores (a UUID will do)'));
