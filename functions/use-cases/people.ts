import { ManagedElsewhereError, ValidationError } from '../core/errors.js';
import { fieldErrors } from '../core/field-errors.js';
import { ROLES, type Person, type Role } from '../core/people.js';
import type { DirectoryPerson } from '../core/ports.js';
import * as z from '../core/zod.js';
import { audited, requireEverySite } from './console.js';
import type { Deps } from './deps.js';

/**
 * The console's people (admins of every site): who may sign in, in which roles. The directory is Cognito's
 * user pool deployed and the local provider's users on a laptop; with an operator's own provider there is
 * none (`managed: false`), and people are added there.
 */

type PeopleDeps = Pick<Deps, 'directory' | 'audit' | 'clock'>;

const Roles = z
  .array(z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }))
  .check(z.minLength(1, 'must name at least one role'), z.maxLength(ROLES.length));
export const InviteBody = z.strictObject({
  email: z.email({ error: 'must be an email address' }).check(z.maxLength(254)),
  roles: Roles,
});
export const RolesBody = z.strictObject({ roles: Roles });

const directoryOf = (deps: PeopleDeps) => deps.directory ?? raise(new ManagedElsewhereError());

/** Everyone who may sign in, with their roles and whether they have yet. */
export async function listPeople(deps: PeopleDeps, person: Person): Promise<{ managed: boolean; people: DirectoryPerson[] }> {
  requireEverySite(person);
  if (!deps.directory) return { managed: false, people: [] };
  const people = await deps.directory.list();
  return { managed: true, people: people.sort((a, b) => a.email.localeCompare(b.email)) };
}

/** Add a person in some roles: the directory emails them how to sign in. Audited. @throws ValidationError | PersonExistsError */
export async function invitePerson(deps: PeopleDeps, person: Person, body: unknown): Promise<DirectoryPerson> {
  requireEverySite(person);
  const { email, roles } = parse(InviteBody, body);
  const invited = await directoryOf(deps).invite(email.toLowerCase(), unique(roles));
  return audited(deps, person, { action: 'person.invite', detail: { personId: invited.id, roles: invited.roles.join(' ') } }, invited);
}

/**
 * Replace a person's roles. An admin may not take the admin role from themselves: the last admin would
 * lock everyone out of people and keys. Audited. @throws ValidationError | PersonNotFoundError
 */
export async function setPersonRoles(deps: PeopleDeps, person: Person, personId: string, body: unknown): Promise<{ roles: Role[] }> {
  requireEverySite(person);
  const roles = unique(parse(RolesBody, body).roles);
  if (personId === person.sub && !roles.includes('admin')) throw new ValidationError({ roles: 'must keep admin: you may not take it from yourself' });
  await directoryOf(deps).setRoles(personId, roles);
  return audited(deps, person, { action: 'person.roles', detail: { personId, roles: roles.join(' ') } }, { roles });
}

/** Remove a person (not oneself). Audited. @throws ValidationError | PersonNotFoundError */
export async function removePerson(deps: PeopleDeps, person: Person, personId: string): Promise<void> {
  requireEverySite(person);
  if (personId === person.sub) throw new ValidationError({ personId: 'is you: another admin may remove you' });
  await directoryOf(deps).remove(personId);
  await audited(deps, person, { action: 'person.remove', detail: { personId } }, undefined);
}

function parse<T>(schema: z.ZodMiniType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  return parsed.data;
}
const unique = (roles: readonly Role[]): Role[] => ROLES.filter((r) => roles.includes(r));
const raise = (error: Error): never => {
  throw error;
};
