import { readFileSync, writeFileSync } from 'node:fs';
import { PersonExistsError, PersonNotFoundError } from '../functions/core/errors.js';
import { ROLES, type Role } from '../functions/core/people.js';
import type { DirectoryPerson, PeopleDirectory } from '../functions/core/ports.js';

/**
 * The local provider's people: a dev user per role (its id is the role's name: `admin`, `marketer`…), and
 * whoever the console's people page adds (its id is their address). Each signs in with their id, any
 * password: the dev login page makes what is typed the session's account, so the id is the login. Kept in
 * the data folder's `people.json` with `npm start`. The local stand-in for Cognito's user pool.
 */
/** The dev users: each signs in with its role's name (any password) and holds that role. */
export const DEV_USERS: Readonly<Record<Role, { email: string }>> = Object.fromEntries(ROLES.map((r) => [r, { email: `${r}@funnel.local` }])) as Record<
  Role,
  { email: string }
>;

export class LocalPeopleDirectory implements PeopleDirectory {
  private readonly people = new Map<string, DirectoryPerson>();

  constructor(private readonly file?: string) {
    for (const role of ROLES) this.people.set(role, { id: role, email: DEV_USERS[role].email, roles: [role], status: 'active' });
    if (file) for (const p of readPeople(file)) this.people.set(p.id, p);
  }

  /** The person who signs in with this name: a dev user's role, or the address of a person the page added. */
  find(login: string): DirectoryPerson | undefined {
    return this.people.get(login);
  }

  async list(): Promise<DirectoryPerson[]> {
    return [...this.people.values()].map((p) => ({ ...p, roles: [...p.roles] }));
  }

  async invite(email: string, roles: readonly Role[]): Promise<DirectoryPerson> {
    if ([...this.people.values()].some((p) => p.email === email)) throw new PersonExistsError();
    const person: DirectoryPerson = { id: email, email, roles: [...roles], status: 'invited', createdAt: new Date().toISOString() };
    this.people.set(person.id, person);
    this.save();
    return { ...person };
  }

  async setRoles(id: string, roles: readonly Role[]): Promise<void> {
    const person = this.people.get(id);
    if (!person) throw new PersonNotFoundError();
    person.roles = [...roles];
    this.save();
  }

  async remove(id: string): Promise<void> {
    if (!this.people.delete(id)) throw new PersonNotFoundError();
    this.save();
  }

  /** A person added on the page has signed in: no longer only invited. */
  signedIn(id: string): void {
    const person = this.people.get(id);
    if (person?.status === 'invited') {
      person.status = 'active';
      this.save();
    }
  }

  private save(): void {
    if (this.file) writeFileSync(this.file, `${JSON.stringify([...this.people.values()], null, 2)}\n`);
  }
}

function readPeople(file: string): DirectoryPerson[] {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DirectoryPerson[];
  } catch {
    return [];
  }
}
