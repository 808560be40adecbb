import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminListGroupsForUserCommand,
  AdminRemoveUserFromGroupCommand,
  type CognitoIdentityProviderClient,
  ListUsersCommand,
  ListUsersInGroupCommand,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { PersonExistsError, PersonNotFoundError } from '../../core/errors.js';
import { ROLES, type Role } from '../../core/people.js';
import type { DirectoryPerson, PeopleDirectory } from '../../core/ports.js';

/**
 * The console's people in the Amazon Cognito user pool: a role is a group of the same name (Cognito puts
 * them in the access token's `cognito:groups`). Listing reads the pool's users and each role's group (one
 * paginated call per role, not one per person). Inviting creates the user with a temporary password that
 * Cognito emails them (valid three days); their first sign-in sets their own.
 */
export class CognitoPeopleDirectory implements PeopleDirectory {
  constructor(private readonly options: { client: CognitoIdentityProviderClient; userPoolId: string }) {}

  async list(): Promise<DirectoryPerson[]> {
    const users: UserType[] = [];
    let token: string | undefined;
    do {
      const page = await this.options.client.send(new ListUsersCommand({ UserPoolId: this.options.userPoolId, Limit: 60, PaginationToken: token }));
      users.push(...(page.Users ?? []));
      token = page.PaginationToken;
    } while (token);
    const rolesOf = new Map<string, Role[]>();
    for (const role of ROLES) {
      let next: string | undefined;
      do {
        const page = await this.options.client.send(
          new ListUsersInGroupCommand({ UserPoolId: this.options.userPoolId, GroupName: role, Limit: 60, NextToken: next }),
        );
        for (const u of page.Users ?? []) rolesOf.set(u.Username!, [...(rolesOf.get(u.Username!) ?? []), role]);
        next = page.NextToken;
      } while (next);
    }
    return users.map((u) => personOf(u, rolesOf.get(u.Username!) ?? []));
  }

  async invite(email: string, roles: readonly Role[]): Promise<DirectoryPerson> {
    const { userPoolId: UserPoolId } = this.options;
    const created = await this.options.client
      .send(
        new AdminCreateUserCommand({
          UserPoolId,
          Username: email,
          DesiredDeliveryMediums: ['EMAIL'],
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
        }),
      )
      .catch((error: Error) => {
        throw error.name === 'UsernameExistsException' ? new PersonExistsError() : error;
      });
    const user = created.User!;
    for (const role of roles) await this.options.client.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: user.Username!, GroupName: role }));
    return personOf(user, [...roles]);
  }

  async setRoles(id: string, roles: readonly Role[]): Promise<void> {
    const { userPoolId: UserPoolId } = this.options;
    const held = await this.options.client.send(new AdminListGroupsForUserCommand({ UserPoolId, Username: id, Limit: 60 })).catch(notFound);
    const current = new Set((held.Groups ?? []).map((g) => g.GroupName!));
    for (const role of roles)
      if (!current.has(role)) await this.options.client.send(new AdminAddUserToGroupCommand({ UserPoolId, Username: id, GroupName: role }));
    // Only our roles' groups are taken away: a group the operator made for something else stays.
    for (const role of ROLES)
      if (current.has(role) && !roles.includes(role))
        await this.options.client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId, Username: id, GroupName: role }));
  }

  async remove(id: string): Promise<void> {
    await this.options.client.send(new AdminDeleteUserCommand({ UserPoolId: this.options.userPoolId, Username: id })).catch(notFound);
  }
}

const notFound = (error: Error): never => {
  throw error.name === 'UserNotFoundException' ? new PersonNotFoundError() : error;
};

function personOf(user: UserType, roles: Role[]): DirectoryPerson {
  const email = user.Attributes?.find((a) => a.Name === 'email')?.Value ?? user.Username!;
  const status = user.Enabled === false ? 'disabled' : user.UserStatus === 'FORCE_CHANGE_PASSWORD' ? 'invited' : 'active';
  return {
    id: user.Username!,
    email,
    roles: ROLES.filter((r) => roles.includes(r)),
    status,
    ...(user.UserCreateDate && { createdAt: user.UserCreateDate.toISOString() }),
  };
}
