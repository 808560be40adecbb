import * as z from './core/zod.js';

const nonEmpty = z.string().check(z.minLength(1, 'must not be empty'));
const url = z.url();
/** A JSON object of names to names (`{"site/endpoint": "secret name"}`). */
const nameMap = z.pipe(
  nonEmpty,
  z.transform((s, ctx) => {
    try {
      return z.record(z.string(), nonEmpty).parse(JSON.parse(s));
    } catch {
      ctx.issues.push({ code: 'custom', message: 'must be a JSON object of strings', input: s });
      return z.NEVER;
    }
  }),
);

/**
 * Every environment variable a Funnel function reads, with its shape: the one place they are written.
 * The stack sets them (infra/stateless-stack.ts), `FUNCTION_ENVIRONMENT` says which each function gets,
 * and a test holds the synthesized functions against both (test/infra/environment.test.ts).
 */
export const VARIABLES = {
  TABLE_NAME: nonEmpty,
  LOG_LEVEL: z.enum(['info', 'warn', 'error', 'silent']),
  /** The dimension of the business metrics: the stack's name. */
  FUNNEL_STACK: nonEmpty,
  NODE_OPTIONS: z.string(),
  /** The visitor-token secret (ARN), read through the Parameters and Secrets extension. */
  TOKEN_SECRET_ARN: nonEmpty,
  SEND_QUEUE_URL: url,
  WEBHOOK_QUEUE_URL: url,
  WEBHOOK_DLQ_URL: url,
  SES_CONFIGURATION_SET: nonEmpty,
  /** `{"opens": name, "clicks": name, "opens-clicks": name}`: the tracked variants the sites use. */
  SES_TRACKED_CONFIGURATION_SETS: nameMap,
  SEND_CONCURRENCY: z.pipe(z.string().check(z.regex(/^[1-9]\d*$/, 'must be a whole number from 1')), z.transform(Number)),
  /** Links in emails (confirm, unsubscribe) point at it. */
  PUBLIC_API_URL: url,
  /** `{"site/endpoint": secret name}`. */
  WEBHOOK_SECRET_IDS: nameMap,
  /** `{"site/destination": secret name}`: each CRM destination's credentials. */
  DESTINATION_SECRET_IDS: nameMap,
  /** The console's URL (ending in `/`): destinations link a lead's console page. */
  CONSOLE_URL: url,
  /**
   * With AWS WAF on (`-c waf=true`) the API is reached through CloudFront, which adds this secret's value
   * as the `x-funnel-edge` header: a request without it went around the firewall. Read at run time, its
   * current and previous values both accepted, so a rotation never refuses CloudFront (functions/handlers/edge.ts).
   */
  EDGE_SECRET_ARN: nonEmpty,
  /**
   * The console's OpenID issuer and the audience its tokens must name (Cognito: the app client id). Unset:
   * no one is signed in, and every console route answers 401.
   */
  CONSOLE_ISSUER: url,
  CONSOLE_AUDIENCE: nonEmpty,
  /** The claim of the console's access tokens that holds a person's roles (default `cognito:groups`). */
  CONSOLE_ROLES_CLAIM: nonEmpty,
  /** The console's Cognito user pool, whose people the console's admins manage (unset with an operator's own provider). */
  CONSOLE_USER_POOL_ID: z.string().check(z.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a Cognito user pool id (region_id)')),
  /** Background CSV exports: the queue the leads function sends jobs to, the bucket the files go to. */
  EXPORT_QUEUE_URL: url,
  EXPORT_BUCKET: nonEmpty,
} as const;

export type Variable = keyof typeof VARIABLES;
export type Environment = { [K in Variable]?: z.infer<(typeof VARIABLES)[K]> };

/** What every function gets. */
const BASE = ['LOG_LEVEL', 'NODE_OPTIONS', 'FUNNEL_STACK'] as const satisfies Variable[];
const TABLE = [...BASE, 'TABLE_NAME'] as const satisfies Variable[];
const WEBHOOK_QUEUE = ['WEBHOOK_QUEUE_URL'] as const satisfies Variable[];

/** The variables each function gets from the stack and requires at its cold start. */
export const FUNCTION_ENVIRONMENT = {
  capture: [...TABLE, 'TOKEN_SECRET_ARN'],
  // The console's sign-in: its issuer and audience (Cognito's pool and client, or the operator's provider).
  // Background exports: it queues them, and signs their download links.
  // An erasure queues the erasures at the site's CRM destinations on the webhook queue.
  // The console's test emails go through the untracked configuration set.
  leads: [...TABLE, ...WEBHOOK_QUEUE, 'CONSOLE_ISSUER', 'CONSOLE_AUDIENCE', 'EXPORT_QUEUE_URL', 'EXPORT_BUCKET', 'SES_CONFIGURATION_SET'],
  openapi: BASE,
  mail: [...TABLE, 'TOKEN_SECRET_ARN'],
  webhooks: [...TABLE, ...WEBHOOK_QUEUE],
  leadActivity: [...TABLE, 'SEND_QUEUE_URL', ...WEBHOOK_QUEUE],
  dueChecks: [...TABLE, 'SEND_QUEUE_URL', ...WEBHOOK_QUEUE],
  sendEmail: [...TABLE, 'TOKEN_SECRET_ARN', 'SES_CONFIGURATION_SET', 'SES_TRACKED_CONFIGURATION_SETS', 'SEND_CONCURRENCY', 'SEND_QUEUE_URL', 'PUBLIC_API_URL'],
  mailEvents: TABLE,
  deliverWebhooks: [...TABLE, ...WEBHOOK_QUEUE, 'WEBHOOK_DLQ_URL', 'WEBHOOK_SECRET_IDS', 'DESTINATION_SECRET_IDS'],
  exportLeads: [...TABLE, 'EXPORT_BUCKET'],
} as const satisfies Record<string, readonly Variable[]>;

export type FunctionName = keyof typeof FUNCTION_ENVIRONMENT;

/** Variables a function reads when the stack sets them (checked in their shape when set). */
export const OPTIONAL_ENVIRONMENT: Partial<Record<FunctionName, readonly Variable[]>> = {
  capture: ['EDGE_SECRET_ARN'],
  leads: ['EDGE_SECRET_ARN', 'CONSOLE_ROLES_CLAIM', 'CONSOLE_USER_POOL_ID'],
  openapi: ['EDGE_SECRET_ARN'],
  webhooks: ['EDGE_SECRET_ARN'],
  deliverWebhooks: ['CONSOLE_URL'],
};

/**
 * Read and check a function's environment: every variable it requires, each in its shape; a missing or
 * malformed one fails the cold start naming it (never a request that fails later for want of it).
 * @example readEnvironment('capture', process.env).TABLE_NAME
 */
export function readEnvironment(name: FunctionName, env: Record<string, string | undefined>): Environment {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  const optional = OPTIONAL_ENVIRONMENT[name] ?? [];
  for (const variable of [...(FUNCTION_ENVIRONMENT[name] as readonly Variable[]), ...optional]) {
    if (optional.includes(variable) && env[variable] === undefined) continue;
    const result = VARIABLES[variable].safeParse(env[variable]);
    if (result.success) out[variable] = result.data;
    else problems.push(`${variable}: ${env[variable] === undefined ? 'is not set' : result.error.issues[0]?.message}`);
  }
  if (problems.length) throw new Error(`The ${name} function's environment is incomplete: ${problems.join('; ')}`);
  return out as Environment;
}
