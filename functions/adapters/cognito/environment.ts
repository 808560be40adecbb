import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { PeopleDirectory } from '../../core/ports.js';
import type { Environment } from '../../environment.js';
import { CognitoPeopleDirectory } from './people-directory.js';

/** The console's people directory: Cognito's user pool when the stack made one (`CONSOLE_USER_POOL_ID`), else none (the operator's own provider). */
export const directoryFromEnvironment = (env: Environment): { directory?: PeopleDirectory } =>
  env.CONSOLE_USER_POOL_ID
    ? { directory: new CognitoPeopleDirectory({ client: new CognitoIdentityProviderClient({}), userPoolId: env.CONSOLE_USER_POOL_ID }) }
    : {};
