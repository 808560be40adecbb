import * as z from './zod.js';

/**
 * People signed in to the console (machines use API keys). Each person has roles, from a claim of their
 * OpenID Connect token (Cognito's groups, or any provider's claim the config names), and may be limited to
 * some sites.
 * - `admin`: everything, users, API keys, erasure
 * - `marketer`: the funnel, forms, leads, exports
 * - `sales`: prospects, the leads they may see, claims
 * - `viewer`: reads only
 */
export const ROLES = ['admin', 'marketer', 'sales', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Person {
  /** The issuer's subject: stable, never an address. */
  sub: string;
  email?: string;
  roles: Role[];
  /** Sites this person may see; `*` is every site. */
  siteIds: string[];
}

/** Where a provider puts a person's roles and sites, and what it calls a role. */
export const ClaimNames = z.strictObject({
  /** The claim holding the roles: Cognito puts groups in `cognito:groups`. */
  roles: z._default(z.string().check(z.minLength(1)), 'cognito:groups'),
  /** The claim holding the site ids a person is limited to; absent from a token: every site. */
  sites: z._default(z.string().check(z.minLength(1)), 'funnel:sites'),
});
export type ClaimNames = z.infer<typeof ClaimNames>;

/**
 * The person a verified token's claims stand for: the roles among the claim's values that are roles
 * (a group named otherwise grants nothing), the sites of the sites claim (a list, or a space- or
 * comma-separated string, as API Gateway hands array claims over) or every site.
 * @example personOf({ sub: 'u1', 'cognito:groups': ['marketer', 'staff'] }, ClaimNames.parse({})).roles // ['marketer']
 */
export function personOf(claims: Record<string, unknown>, names: ClaimNames): Person | undefined {
  if (typeof claims.sub !== 'string' || claims.sub === '') return undefined;
  const list = (value: unknown): string[] =>
    Array.isArray(value)
      ? value.filter((v): v is string => typeof v === 'string')
      : typeof value === 'string'
        ? value
            .replace(/^\[|\]$/g, '')
            .split(/[\s,]+/)
            .filter(Boolean)
        : [];
  const roles = ROLES.filter((r) => list(claims[names.roles]).includes(r));
  const sites = list(claims[names.sites]);
  return {
    sub: claims.sub,
    ...(typeof claims.email === 'string' && { email: claims.email }),
    roles,
    siteIds: claims[names.sites] === undefined ? ['*'] : sites,
  };
}

/** Whether one of the person's roles is one the route allows. */
export const mayCall = (person: Pick<Person, 'roles'>, allowed: readonly Role[]): boolean => person.roles.some((r) => allowed.includes(r));
