import * as z from '../zod.js';
import { CompanySize, FieldName } from '../fields.js';
import { formatPath } from '../field-errors.js';

/**
 * One site's lead-scoring rules: versioned data, validated strictly (unknown keys are errors) so a typo in
 * the config fails at start-up with its path instead of silently scoring nothing. Every rule has a stable
 * `id` (shown in the score breakdown and kept across rule versions) and a human `label`.
 *
 * Two kinds of rules:
 * - **fit**: who the lead is (profile fields, email domain). Fired at most once each.
 * - **engagement**: what the lead did (events). Fired once per matching event, optionally decayed with a
 *   half-life and capped.
 */

const Slug = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug: lower-case letters, digits and dashes, at most 63 characters'));

const Label = z.string().check(z.trim()).check(z.minLength(1, 'must not be empty')).check(z.maxLength(200, 'must be at most 200 characters'));

const Points = z.int('must be a whole number').check(z.gte(-10_000)).check(z.lte(10_000));

// ---------------------------------------------------------------------------------------------------------
// Seniority

/** Seniority levels detected from a job title, highest first. */
export const Seniority = {
  CLevel: 'c-level',
  Vp: 'vp',
  Director: 'director',
  Manager: 'manager',
  Individual: 'individual',
} as const;
export const SeniorityLevel = z.enum(Object.values(Seniority) as [Seniority, ...Seniority[]]);
export type Seniority = (typeof Seniority)[keyof typeof Seniority];

/**
 * The keyword table behind {@link seniorityOf}, checked in this order (the first level with a match wins, so
 * "VP & Director" is `vp`). Keywords are case-insensitive whole words: "VP" does not match "VPN", "Director"
 * does not match "Directory", "Lead" does not match "Leader" or "Leads".
 *
 * | level    | keywords |
 * |----------|----------|
 * | c-level  | CEO, CTO, CFO, COO, CMO, CRO, CIO, CISO, Chief, Founder (also Co-Founder, Cofounder), Owner (not "Product Owner"), President (not "Vice President") |
 * | vp       | VP, SVP, EVP, AVP, Vice President, Head of |
 * | director | Director |
 * | manager  | Manager, Lead |
 * | individual | anything else, including an empty title |
 */
export const SENIORITY_KEYWORDS: readonly { readonly seniority: Exclude<Seniority, 'individual'>; readonly pattern: RegExp }[] = [
  {
    seniority: Seniority.CLevel,
    pattern: /\b(?:ceo|cto|cfo|coo|cmo|cro|cio|ciso|chief|co-?founder|founder|(?<!\bproduct\s+)owner|(?<!\bvice[\s-]+)president)\b/i,
  },
  { seniority: Seniority.Vp, pattern: /\b(?:vp|svp|evp|avp|vice[\s-]+president|head\s+of)\b/i },
  { seniority: Seniority.Director, pattern: /\bdirector\b/i },
  { seniority: Seniority.Manager, pattern: /\b(?:manager|lead)\b/i },
];

/**
 * Seniority from a job title, by the keyword table {@link SENIORITY_KEYWORDS}.
 * @example seniorityOf('VP Marketing') // 'vp'
 * @example seniorityOf('Directory Services Engineer') // 'individual'
 */
export function seniorityOf(title: string | undefined): Seniority {
  if (!title) return Seniority.Individual;
  for (const { seniority, pattern } of SENIORITY_KEYWORDS) if (pattern.test(title)) return seniority;
  return Seniority.Individual;
}

// ---------------------------------------------------------------------------------------------------------
// Email domain types

export const EmailDomainType = { Business: 'business', Free: 'free', Disposable: 'disposable' } as const;
export type EmailDomainType = (typeof EmailDomainType)[keyof typeof EmailDomainType];
const EmailDomainTypeSchema = z.enum(Object.values(EmailDomainType) as [EmailDomainType, ...EmailDomainType[]]);

// ---------------------------------------------------------------------------------------------------------
// Fit rules: one operator per `when`

const isCompilable = (source: string): boolean => {
  try {
    new RegExp(source, 'i');
    return true;
  } catch {
    return false;
  }
};

const SeniorityWhen = z.strictObject({ field: z.literal('jobTitle'), seniority: z.array(SeniorityLevel).check(z.minLength(1)) });
const DomainTypeWhen = z.strictObject({ field: z.literal('email'), domainType: z.array(EmailDomainTypeSchema).check(z.minLength(1)) });
const EqualsWhen = z.strictObject({ field: FieldName, equals: z.string() });
const InWhen = z.strictObject({ field: FieldName, in: z.array(z.string()).check(z.minLength(1)) }).check(
  z.superRefine((when, ctx) => {
    if (when.field !== 'companySize') return;
    when.in.forEach((band, i) => {
      if (!CompanySize.safeParse(band).success) {
        ctx.addIssue({ code: 'custom', path: ['in', i], message: `must be a company size band: ${CompanySize.options.join(', ')}` });
      }
    });
  }),
);
const MatchesWhen = z.strictObject({
  field: FieldName,
  /** A regular expression source, matched case-insensitively anywhere in the value (anchor it with ^…$). */
  matches: z.string().check(z.minLength(1)).check(z.maxLength(500)).check(z.refine(isCompilable, 'invalid regular expression')),
});
const RangeWhen = z.strictObject({
  field: FieldName,
  /** Inclusive bounds on the field read as a number; a value that is not a number never matches. */
  range: z
    .strictObject({ min: z.optional(z.number()), max: z.optional(z.number()) })
    .check(z.refine((r) => r.min !== undefined || r.max !== undefined, 'must have min, max or both'))
    .check(z.refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'min must not exceed max', path: ['min'] })),
});

/** Told apart by which operator key is present, so a problem is reported inside the variant the user meant. */
const FIT_OPERATORS = {
  seniority: SeniorityWhen,
  domainType: DomainTypeWhen,
  equals: EqualsWhen,
  in: InWhen,
  matches: MatchesWhen,
  range: RangeWhen,
} as const;
type FitOperator = keyof typeof FIT_OPERATORS;
const FIT_OPERATOR_KEYS = Object.keys(FIT_OPERATORS) as FitOperator[];

export type FitWhen = { [K in FitOperator]: z.output<(typeof FIT_OPERATORS)[K]> }[FitOperator];
export type FitWhenInput = { [K in FitOperator]: z.input<(typeof FIT_OPERATORS)[K]> }[FitOperator];

export const FitWhen = z.pipe(
  z.custom<FitWhenInput>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be an object'),
  z.transform((value, ctx): FitWhen => {
    const present = FIT_OPERATOR_KEYS.filter((k) => k in value);
    const [operator] = present;
    if (present.length !== 1 || operator === undefined) {
      ctx.issues.push({ code: 'custom', input: value, message: `must have exactly one of ${FIT_OPERATOR_KEYS.join(', ')}` });
      return z.NEVER;
    }
    const result = FIT_OPERATORS[operator].safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) ctx.issues.push({ code: 'custom', input: value, path: issue.path, message: issue.message });
      return z.NEVER;
    }
    return result.data;
  }),
);

export const FitRule = z.strictObject({ id: Slug, label: Label, points: Points, when: FitWhen });
export type FitRule = z.infer<typeof FitRule>;

// ---------------------------------------------------------------------------------------------------------
// Engagement rules

/**
 * A path pattern: `*` matches within one segment, `**` across segments; a trailing `/**` also matches the
 * bare prefix. Matched against the path of the page (query and fragment ignored, trailing slash ignored).
 * @example '/docs/**' matches '/docs', '/docs/', '/docs/api/leads'; '/blog/*' matches '/blog/x' not '/blog/x/y'
 */
export const PathPattern = z
  .string()
  .check(z.maxLength(500))
  .check(z.regex(/^\/[^\s?#]*$/, 'must be a path starting with "/" (no spaces, query or fragment)'))
  .check(z.refine((p) => !p.includes('***'), 'must not contain "***"'));

export const EngagementWhen = z.discriminatedUnion('event', [
  z.strictObject({
    event: z.literal('form_submitted'),
    formId: z.optional(Slug),
    formKind: z.optional(z.enum(['gated-content', 'free-trial'])),
  }),
  z.strictObject({ event: z.literal('page_viewed'), path: PathPattern }),
  z.strictObject({ event: z.literal('email_opened') }),
  z.strictObject({ event: z.literal('email_clicked'), sequenceId: z.optional(z.string().check(z.minLength(1)).check(z.maxLength(100))) }),
]);
export type EngagementWhen = z.infer<typeof EngagementWhen>;

export const EngagementRule = z.strictObject({
  id: Slug,
  label: Label,
  /** Points per matching event (before decay); negative points lower the score. */
  points: Points,
  when: EngagementWhen,
  /** The most this rule can contribute in total, applied to the current (decayed) sum; bounds the magnitude of negative rules too. */
  cap: z.optional(z.int().check(z.positive())),
  /** Each event's points halve every `halfLifeDays` days after it happened. No decay when absent. */
  halfLifeDays: z.optional(z.number().check(z.positive()).check(z.lte(3650))),
});
export type EngagementRule = z.infer<typeof EngagementRule>;

// ---------------------------------------------------------------------------------------------------------
// The whole rule set

const Threshold = z.strictObject({
  /** Minimum total score. */
  score: z.int(),
  /** Minimum fit score as well, when set. */
  fit: z.optional(z.int()),
});

export const Regression = { Never: 'never', ToLeadBelowMql: 'to-lead-below-mql' } as const;

export const ScoringRules = z
  .strictObject({
    /** Recorded on every score, so a score can be traced to the rules that produced it. */
    version: z.string().check(z.trim()).check(z.minLength(1)).check(z.maxLength(40)),
    fit: z._default(z.array(FitRule).check(z.maxLength(200)), []),
    engagement: z._default(z.array(EngagementRule).check(z.maxLength(200)), []),
    thresholds: z.strictObject({ mql: Threshold, sql: Threshold }),
    /** Stages only move forward unless this says otherwise. */
    regression: z._default(z.enum([Regression.Never, Regression.ToLeadBelowMql]), Regression.Never),
  })
  .check(
    z.superRefine((rules, ctx) => {
      if (rules.thresholds.sql.score < rules.thresholds.mql.score) {
        ctx.addIssue({
          code: 'custom',
          path: ['thresholds', 'sql', 'score'],
          message: `must be at least thresholds.mql.score (${rules.thresholds.mql.score})`,
        });
      }
      const seen = new Map<string, string>();
      const check = (kind: 'fit' | 'engagement', id: string, i: number) => {
        const other = seen.get(id);
        if (other) ctx.addIssue({ code: 'custom', path: [kind, i, 'id'], message: `duplicate rule id "${id}" (also ${other})` });
        else seen.set(id, `${kind}[${i}]`);
      };
      for (const [i, r] of rules.fit.entries()) check('fit', r.id, i);
      for (const [i, r] of rules.engagement.entries()) check('engagement', r.id, i);
    }),
  );
export type ScoringRules = z.infer<typeof ScoringRules>;
export type ScoringRulesInput = z.input<typeof ScoringRules>;

/** Thrown when scoring rules are invalid; the message lists every problem with its path. */
export class InvalidScoringRulesError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid scoring rules:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidScoringRulesError';
  }
}

/**
 * Validate one site's raw scoring rules.
 * @example parseScoringRules(DEMO_RULES).thresholds.mql.score // 40
 * @throws InvalidScoringRulesError listing every problem, e.g. `fit[2].when.matches: invalid regular expression`
 */
export function parseScoringRules(raw: unknown): ScoringRules {
  const result = ScoringRules.safeParse(raw);
  if (!result.success) {
    throw new InvalidScoringRulesError(result.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`));
  }
  return result.data;
}

/** Identity helper so a rules file gets types and completion while staying plain data. */
export const defineScoringRules = (rules: ScoringRulesInput): ScoringRulesInput => rules;
