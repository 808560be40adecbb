import { ROLES } from '../../core/people.js';
import type { Endpoint } from './types.js';

/**
 * The console's routes (people signed in with OpenID Connect, `auth: 'person'`), each with the roles that
 * may call it. Served by the leads function (the console reads what the sales API reads).
 */
export const CONSOLE = {
  whoAmI: {
    method: 'GET',
    path: '/v1/console/me',
    group: 'leads',
    auth: 'person',
    roles: ROLES,
    summary: 'Who is signed in: their roles and the sites they may see',
    description: 'For the console to show what a person may do. `Authorization: Bearer <access token>` from the console’s OpenID issuer.',
    responses: { '200': { description: '`{ sub, email?, roles, siteIds }` (`*`: every site)' } },
  },
} as const satisfies Record<string, Endpoint>;
