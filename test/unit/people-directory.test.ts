import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { CognitoPeopleDirectory } from '../../functions/adapters/cognito/people-directory.js';
import { ManagedElsewhereError, PersonExistsError, PersonNotFoundError, SiteLimitedError } from '../../functions/core/errors.js';
import type { Person } from '../../functions/core/people.js';
import { invitePerson, listPeople, removePerson, setPersonRoles } from '../../functions/use-cases/people.js';
import { LocalPeopleDirectory } from '../../local/people.js';
import { fakeDeps } from '../support/builders.js';

/** Issue 23 (admin: users): the console's people page over the directory: Cognito deployed, the local provider's users on a laptop. */
const ADMIN: Person = { sub: 'admin', email: 'admin@funnel.local', roles: ['admin'], siteIds: ['*'] };
const entries = (fake: ReturnType<typeof fakeDeps>) => (fake.deps.audit as unknown as { entries: { action: string; detail?: object }[] }).entries;

describe('People: the use cases', () => {
  it('lists the dev users, adds a person (audited), refuses the same address twice, changes roles, removes', async () => {
    const fake = fakeDeps();
    expect((await listPeople(fake.deps, ADMIN)).people.map((p) => [p.email, p.roles])).toEqual([
      ['admin@funnel.local', ['admin']],
      ['marketer@funnel.local', ['marketer']],
      ['sales@funnel.local', ['sales']],
      ['viewer@funnel.local', ['viewer']],
    ]);
    const added = await invitePerson(fake.deps, ADMIN, { email: 'Rep@Acme.com', roles: ['viewer', 'sales', 'sales'] });
    expect(added).toMatchObject({ email: 'rep@acme.com', roles: ['sales', 'viewer'], status: 'invited' });
    expect(entries(fake).at(-1)).toMatchObject({ action: 'person.invite', detail: { personId: added.id, roles: 'sales viewer' } });
    await expect(invitePerson(fake.deps, ADMIN, { email: 'rep@acme.com', roles: ['viewer'] })).rejects.toBeInstanceOf(PersonExistsError);
    await setPersonRoles(fake.deps, ADMIN, added.id, { roles: ['marketer'] });
    expect((await listPeople(fake.deps, ADMIN)).people.find((p) => p.id === added.id)?.roles).toEqual(['marketer']);
    await removePerson(fake.deps, ADMIN, added.id);
    expect(
      entries(fake)
        .map((e) => e.action)
        .slice(-3),
    ).toEqual(['person.invite', 'person.roles', 'person.remove']);
    await expect(removePerson(fake.deps, ADMIN, added.id)).rejects.toBeInstanceOf(PersonNotFoundError);
  });

  it('names the field of a bad request; an admin cannot drop their own admin role or remove themselves', async () => {
    const fake = fakeDeps();
    await expect(invitePerson(fake.deps, ADMIN, { email: 'not-an-address', roles: [] })).rejects.toMatchObject({
      fields: { email: 'must be an email address', roles: 'must name at least one role' },
    });
    await expect(invitePerson(fake.deps, ADMIN, { email: 'a@b.co', roles: ['owner'] })).rejects.toMatchObject({
      fields: { 'roles[0]': expect.stringContaining('must be one of') },
    });
    await expect(setPersonRoles(fake.deps, ADMIN, 'admin', { roles: ['viewer'] })).rejects.toMatchObject({
      fields: { roles: expect.stringContaining('you may not') },
    });
    await expect(removePerson(fake.deps, ADMIN, 'admin')).rejects.toMatchObject({ fields: { personId: expect.stringContaining('is you') } });
    await expect(listPeople(fake.deps, { ...ADMIN, siteIds: ['demo'] })).rejects.toBeInstanceOf(SiteLimitedError);
  });

  it('with the operator’s own provider: lists no one (managed elsewhere), and refuses every change', async () => {
    const fake = fakeDeps();
    delete fake.deps.directory;
    expect(await listPeople(fake.deps, ADMIN)).toEqual({ managed: false, people: [] });
    await expect(invitePerson(fake.deps, ADMIN, { email: 'a@b.co', roles: ['viewer'] })).rejects.toBeInstanceOf(ManagedElsewhereError);
    await expect(setPersonRoles(fake.deps, ADMIN, 'x', { roles: ['viewer'] })).rejects.toBeInstanceOf(ManagedElsewhereError);
  });
});

describe('People: Cognito’s user pool (aws-sdk-client-mock)', () => {
  const pool = 'eu-west-1_AbC123';
  const setup = () => {
    const cognito = mockClient(CognitoIdentityProviderClient);
    return { cognito, directory: new CognitoPeopleDirectory({ client: new CognitoIdentityProviderClient({ region: 'eu-west-1' }), userPoolId: pool }) };
  };
  const user = (name: string, email: string, status = 'CONFIRMED') => ({
    Username: name,
    Enabled: true,
    UserStatus: status as 'CONFIRMED',
    Attributes: [{ Name: 'email', Value: email }],
    UserCreateDate: new Date('2026-12-01T00:00:00Z'),
  });

  it('lists every page of users with their roles from one paged read per role group (not one call per person)', async () => {
    const { cognito, directory } = setup();
    cognito
      .on(ListUsersCommand)
      .resolvesOnce({ Users: [user('u1', 'ada@acme.com')], PaginationToken: 'p2' })
      .resolves({ Users: [user('u2', 'bo@acme.com', 'FORCE_CHANGE_PASSWORD')] });
    cognito.on(ListUsersInGroupCommand).resolves({ Users: [] });
    cognito.on(ListUsersInGroupCommand, { GroupName: 'admin' }).resolves({ Users: [user('u1', 'ada@acme.com')] });
    cognito.on(ListUsersInGroupCommand, { GroupName: 'sales' }).resolves({ Users: [user('u1', 'ada@acme.com'), user('u2', 'bo@acme.com')] });
    expect(await directory.list()).toEqual([
      { id: 'u1', email: 'ada@acme.com', roles: ['admin', 'sales'], status: 'active', createdAt: '2026-12-01T00:00:00.000Z' },
      { id: 'u2', email: 'bo@acme.com', roles: ['sales'], status: 'invited', createdAt: '2026-12-01T00:00:00.000Z' },
    ]);
    expect(cognito.commandCalls(ListUsersCommand)).toHaveLength(2);
    expect(cognito.commandCalls(ListUsersInGroupCommand)).toHaveLength(4);
  });

  it('invites by email (Cognito emails the temporary password) into each role group; an address in use is a 409', async () => {
    const { cognito, directory } = setup();
    cognito.on(AdminCreateUserCommand).resolvesOnce({ User: user('u3', 'cy@acme.com', 'FORCE_CHANGE_PASSWORD') });
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    expect(await directory.invite('cy@acme.com', ['marketer', 'viewer'])).toMatchObject({ id: 'u3', roles: ['marketer', 'viewer'], status: 'invited' });
    expect(cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input).toMatchObject({
      UserPoolId: pool,
      Username: 'cy@acme.com',
      DesiredDeliveryMediums: ['EMAIL'],
      UserAttributes: [
        { Name: 'email', Value: 'cy@acme.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
    });
    expect(cognito.commandCalls(AdminAddUserToGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual(['marketer', 'viewer']);
    cognito.on(AdminCreateUserCommand).rejects(Object.assign(new Error('exists'), { name: 'UsernameExistsException' }));
    await expect(directory.invite('cy@acme.com', ['viewer'])).rejects.toBeInstanceOf(PersonExistsError);
  });

  it('changes roles by the difference only, leaving groups that are not roles; an unknown person is a 404', async () => {
    const { cognito, directory } = setup();
    cognito.on(AdminListGroupsForUserCommand).resolves({ Groups: [{ GroupName: 'viewer' }, { GroupName: 'sales' }, { GroupName: 'finance' }] });
    cognito.on(AdminAddUserToGroupCommand).resolves({});
    cognito.on(AdminRemoveUserFromGroupCommand).resolves({});
    await directory.setRoles('u1', ['sales', 'marketer']);
    expect(cognito.commandCalls(AdminAddUserToGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual(['marketer']);
    expect(cognito.commandCalls(AdminRemoveUserFromGroupCommand).map((c) => c.args[0].input.GroupName)).toEqual(['viewer']);
    cognito.on(AdminListGroupsForUserCommand).rejects(Object.assign(new Error('no'), { name: 'UserNotFoundException' }));
    await expect(directory.setRoles('ghost', ['viewer'])).rejects.toBeInstanceOf(PersonNotFoundError);
    cognito.on(AdminDeleteUserCommand).rejects(Object.assign(new Error('no'), { name: 'UserNotFoundException' }));
    await expect(directory.remove('ghost')).rejects.toBeInstanceOf(PersonNotFoundError);
  });
});

describe('People: the local provider', () => {
  it('keeps the people it added in the data folder, across a restart', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'people-')), 'people.json');
    const added = await new LocalPeopleDirectory(file).invite('rep@acme.com', ['sales']);
    const again = new LocalPeopleDirectory(file);
    expect(again.find('rep@acme.com')).toMatchObject({ id: added.id, roles: ['sales'] });
    expect(again.find('admin')).toMatchObject({ roles: ['admin'] });
  });
});
