import * as z from './zod.js';
import { WebhookEndpoints } from './webhooks/config.js';
import { Destinations } from './destinations/config.js';
import { text } from './fields.js';
import { Fields, PRESENTATION, presentationIssues } from './presentation.js';
import { formatConfigPath } from './field-errors.js';
// rules.js, not the scoring index: the index pulls in the email-domain lists, which capture does not need.
import { ScoringRules } from './scoring/rules.js';
// config.js, not the nurture index: config validation needs the schemas only.
import { FormEmail, SiteEmail, formEmailIssues } from './nurture/config.js';

/**
 * The Funnel configuration: sites, their allowed origins and their forms. Users edit
 * `config/funnel.config.ts`; it is validated here at start-up (local runtime, Lambda cold start) and at
 * `cdk synth`, so a bad config fails fast with the path of what is wrong. Secrets never live here.
 */

const Slug = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug: lower-case letters, digits and dashes, at most 63 characters'));

const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const Origin = z
  .string()
  .check(z.regex(/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/, 'must be an origin such as https://blog.example.com (scheme, host, optional port; no path)'));

const count = z.int('must be a whole number').check(z.gte(1, 'must be at least 1')).check(z.lte(1_000_000, 'must be at most 1000000'));
const seconds = z.int('must be a whole number').check(z.gte(1, 'must be 1–86400')).check(z.lte(86_400, 'must be 1–86400'));

/** The defaults let a busy office, campus or mobile NAT through (50 readers a minute behind one address). */
export const RateLimits = z.strictObject({
  /** Accepted new submissions per client and site in the window. */
  submissions: z._default(count, 100),
  windowSeconds: z._default(seconds, 600),
  /** Invalid submissions (answered 4xx) per client and site in the same window. */
  invalidSubmissions: z._default(count, 300),
  /** Accepted new submissions per form from all clients together. */
  perForm: z._default(z.strictObject({ submissions: z._default(count, 6000), windowSeconds: z._default(seconds, 60) }), {
    submissions: 6000,
    windowSeconds: 60,
  }),
  /**
   * Impressions counted per minute (the widget's beacon), over all Lambda environments: per form from all
   * clients, and per form from one network prefix (an IPv4 /24, an IPv6 /48: what one party can hold).
   * Beyond them a beacon is answered as any other and counts nothing.
   */
  impressions: z._default(z.strictObject({ perForm: z._default(count, 30_000), perPrefix: z._default(count, 300) }), { perForm: 30_000, perPrefix: 300 }),
});
export type RateLimits = z.infer<typeof RateLimits>;

export { FormField } from './presentation.js';

export const ConsentConfig = z.strictObject({
  /** The exact sentence shown beside the checkbox; stored with every consent given. */
  text: z.string().check(z.minLength(1)).check(z.maxLength(1000)),
  /** Bump when the text changes, so the audit record says which wording a lead agreed to. */
  version: z.string().check(z.minLength(1)).check(z.maxLength(40)),
  /** When true the form cannot be submitted without ticking the box. */
  required: z._default(z.boolean(), false),
});

export const LeadMagnet = z.strictObject({
  title: text(200),
  format: z.enum(['ebook', 'white-paper', 'webinar', 'checklist', 'template', 'report', 'other']),
  url: HttpUrl,
});

export const FormKind = { GatedContent: 'gated-content', FreeTrial: 'free-trial' } as const;

const FormBase = {
  id: Slug,
  title: text(200),
  description: z.optional(text(1000)),
  submitLabel: z._default(text(60), 'Submit'),
  fields: Fields,
  consent: z.optional(z.strictObject({ marketing: ConsentConfig })),
  /** Ask the visitor to confirm their address by email before anything else is sent. */
  doubleOptIn: z._default(z.boolean(), false),
  /** Submissions faster than this after the form was shown are treated as bots. */
  minFillMs: z._default(z.int().check(z.gte(0)).check(z.lte(60_000)), 1500),
  /** Shown after a successful submission, above the next step. */
  successMessage: z.optional(text(300)),
  /** The emails this form sends: the delivery (at once), the double opt-in confirmation, a nurture sequence. */
  email: z.optional(FormEmail),
  ...PRESENTATION,
};

export const GatedContentForm = z.strictObject({
  ...FormBase,
  kind: z.literal(FormKind.GatedContent),
  leadMagnet: LeadMagnet,
});

export const FreeTrialForm = z.strictObject({
  ...FormBase,
  kind: z.literal(FormKind.FreeTrial),
  /** Where the visitor goes to start the trial after signing up. */
  trialUrl: z.optional(HttpUrl),
});

export const Form = z.discriminatedUnion('kind', [GatedContentForm, FreeTrialForm]).check(
  z.superRefine((form, ctx) => {
    for (const issue of presentationIssues(form)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }),
);
export type Form = z.infer<typeof Form>;

export const Site = z.strictObject({
  id: Slug,
  name: text(200),
  /** Origins allowed to embed this site's forms (CORS and the Origin check on submissions). */
  allowedOrigins: z.array(Origin).check(z.minLength(1)),
  forms: z.array(Form).check(z.minLength(1)),
  /**
   * Submission limits, shared by every environment (counted in the table): see docs/security.md for the
   * threat model. Per client (an IPv4 address or an IPv6 /64) and site, only accepted new submissions count
   * (a retried submissionId is free); invalid ones (4xx) have their own, looser count; and each form has a
   * ceiling across all clients, against a flood from many addresses.
   */
  rateLimit: z._default(RateLimits, RateLimits.parse({})),
  /** Lead scoring: fit and engagement rules, thresholds for MQL and SQL. No scoring (every lead stays `lead`) when absent. */
  scoring: z.optional(ScoringRules),
  /** Sender, postal address (in every footer), time zone, daily cap per lead, send rate. Required when a form sends email. */
  email: z.optional(SiteEmail),
  /** Sales hand-off: endpoints that receive signed events (`prospect.ready`…). Secrets live outside the config. */
  webhooks: z.optional(WebhookEndpoints),
  /** Sales hand-off into HubSpot, Salesforce, Pipedrive or Slack, through the same delivery machinery (docs/hand-off.md). */
  destinations: z.optional(Destinations),
});
export type Site = z.infer<typeof Site>;

/**
 * A site's destinations: ids unique among its webhook endpoints too (they share the delivery log), and
 * every `profile.<field>` a mapping names is a field of one of the site's forms (a typo would send nothing).
 */
function destinationIssues(site: Site): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const endpointIds = new Set((site.webhooks ?? []).map((e) => e.id));
  const profileFields = new Set<string>(site.forms.flatMap((f) => f.fields.map((field) => field.name)));
  (site.destinations ?? []).forEach((d, i) => {
    if (endpointIds.has(d.id))
      issues.push({ path: ['destinations', i, 'id'], message: `duplicate endpoint id "${d.id}" (webhooks and destinations share ids)` });
    endpointIds.add(d.id);
    if (!('fields' in d) || !d.fields) return;
    for (const [field, source] of Object.entries(d.fields))
      for (const from of [source].flat())
        if (from.startsWith('profile.') && !profileFields.has(from.slice(8)))
          issues.push({ path: ['destinations', i, 'fields', field], message: `"${from}": no form of this site has a field "${from.slice(8)}"` });
  });
  return issues;
}

export const FunnelConfig = z
  // No site at all is valid: a deployment of the shipped config (whose demo site is local only) has none.
  .strictObject({ sites: z.array(Site) })
  .check(
    z.superRefine((config, ctx) => {
      const seenSites = new Set<string>();
      const seenForms = new Map<string, string>();
      config.sites.forEach((site, s) => {
        if (seenSites.has(site.id)) ctx.addIssue({ code: 'custom', path: ['sites', s, 'id'], message: `duplicate site id "${site.id}"` });
        seenSites.add(site.id);
        for (const issue of destinationIssues(site)) ctx.addIssue({ code: 'custom', path: ['sites', s, ...issue.path], message: issue.message });
        site.forms.forEach((form, f) => {
          // Form ids are global: the public URL is /v1/forms/{formId}, with no site in it.
          const other = seenForms.get(form.id);
          if (other)
            ctx.addIssue({ code: 'custom', path: ['sites', s, 'forms', f, 'id'], message: `duplicate form id "${form.id}" (also in site "${other}")` });
          seenForms.set(form.id, site.id);
        });
        const sequences = new Map<string, number>();
        site.forms.forEach((form, f) => {
          // A double opt-in form sends a confirmation email even without an `email` block of its own.
          if (form.doubleOptIn && !form.email && !site.email) {
            ctx.addIssue({
              code: 'custom',
              path: ['sites', s, 'email'],
              message: `is required: form "${form.id}" uses double opt-in, which sends a confirmation email`,
            });
          }
          if (!form.email) return;
          const at = (path: (string | number)[]) => ['sites', s, 'forms', f, 'email', ...path];
          if (!site.email)
            ctx.addIssue({
              code: 'custom',
              path: ['sites', s, 'email'],
              message: `is required: form "${form.id}" sends email (sender and postal address for the footer)`,
            });
          for (const issue of formEmailIssues(form.email, {
            id: form.id,
            kind: form.kind,
            doubleOptIn: form.doubleOptIn,
            ...(form.kind === 'free-trial' && form.trialUrl && { trialUrl: form.trialUrl }),
          })) {
            ctx.addIssue({ code: 'custom', path: at(issue.path), message: issue.message });
          }
          const sequence = form.email.sequence;
          if (!sequence) return;
          const other = sequences.get(sequence.id);
          if (other !== undefined)
            ctx.addIssue({ code: 'custom', path: at(['sequence', 'id']), message: `duplicate sequence id "${sequence.id}" (also forms[${other}])` });
          sequences.set(sequence.id, f);
          sequence.exit.formsSubmitted?.forEach((id, i) => {
            if (!site.forms.some((x) => x.id === id))
              ctx.addIssue({ code: 'custom', path: at(['sequence', 'exit', 'formsSubmitted', i]), message: `no form "${id}" in site "${site.id}"` });
          });
        });
        // A rule about a form this site does not have would silently never fire.
        site.scoring?.engagement.forEach(({ when }, r) => {
          if (when.event === 'form_submitted' && when.formId && !site.forms.some((f) => f.id === when.formId)) {
            ctx.addIssue({
              code: 'custom',
              path: ['sites', s, 'scoring', 'engagement', r, 'when', 'formId'],
              message: `no form "${when.formId}" in site "${site.id}"`,
            });
          }
        });
      });
    }),
  );
export type FunnelConfig = z.infer<typeof FunnelConfig>;
export type FunnelConfigInput = z.input<typeof FunnelConfig>;

/** Thrown when the configuration is invalid; the message lists every problem with its path. */
export class InvalidConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid Funnel config:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidConfigError';
  }
}

/**
 * Where the config is read: the local funnel (`npm start`, the tests, the local CLIs), which knows the URL
 * it runs at, or a deployment (`cdk synth`, Lambda), which has no local URL at all. A config file that is a
 * function of this can keep a demo site that exists only locally, with links that follow the local port,
 * and the compiler stops `baseUrl` from reaching a deployed site.
 */
export type ConfigEnv = { readonly local: true; readonly baseUrl: string } | { readonly local: false };

/** What `config/funnel.config.ts` exports: the config, or a function of where it runs. */
export type ConfigSource = FunnelConfigInput | ((env: ConfigEnv) => FunnelConfigInput);

/** The deployed view of a config: what `cdk synth` and the Lambda functions read. */
export const DEPLOYED: ConfigEnv = { local: false };

/** The local view at a base URL (default: `npm start`'s default port). */
export const localEnv = (baseUrl = 'http://localhost:3000'): ConfigEnv => ({ local: true, baseUrl: baseUrl.replace(/\/+$/, '') });

/**
 * The raw config for one place: calls a config function with `env`, returns a plain config as it is.
 * @example resolveConfig(rawConfig, localEnv('http://localhost:3100')).sites[0].id // 'demo'
 */
export function resolveConfig<T>(source: T | ((env: ConfigEnv) => T), env: ConfigEnv): T {
  return typeof source === 'function' ? (source as (env: ConfigEnv) => T)(env) : source;
}

/**
 * Validate a raw config (an object, or a config function called with `env`).
 * @example parseConfig(rawConfig, localEnv()).sites[0].forms[0].id // 'ebook'
 * @throws InvalidConfigError naming the path of every bad value
 */
export function parseConfig(raw: unknown, env: ConfigEnv): FunnelConfig {
  let resolved: unknown;
  try {
    resolved = resolveConfig(raw, env);
  } catch (error) {
    throw new InvalidConfigError([`(root): the config function threw: ${(error as Error).message}`]);
  }
  const result = FunnelConfig.safeParse(resolved);
  if (!result.success) {
    throw new InvalidConfigError(result.error.issues.map((i) => `${formatConfigPath(i.path, resolved) || '(root)'}: ${i.message}`));
  }
  return result.data;
}

/**
 * Identity helper so the config file gets types and completion while staying plain data.
 * @example export default defineConfig((env) => ({ sites: [...(env.local ? [demoSite(env.baseUrl)] : []), mySite] }))
 */
export const defineConfig = <T extends ConfigSource>(config: T): T => config;

/** One site as the config file writes it (defaults not yet applied). */
export type SiteInput = FunnelConfigInput['sites'][number];

/** Look-ups the request path needs, built once per process. */
export class ConfigIndex {
  private readonly forms = new Map<string, { site: Site; form: Form }>();
  private readonly sites = new Map<string, Site>();
  constructor(readonly config: FunnelConfig) {
    for (const site of config.sites) {
      this.sites.set(site.id, site);
      for (const form of site.forms) this.forms.set(form.id, { site, form });
    }
  }
  findForm(formId: string): { site: Site; form: Form } | undefined {
    return this.forms.get(formId);
  }
  findSite(siteId: string): Site | undefined {
    return this.sites.get(siteId);
  }
  /** Every origin any site allows: what the API's CORS pre-flight accepts. */
  allOrigins(): string[] {
    return [...new Set(this.config.sites.flatMap((s) => s.allowedOrigins))];
  }
}
