import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../../core/ports.js';
import type { Environment } from '../../environment.js';
import { SesMailer } from './mailer.js';

/** The SES mailer of the sending function, from its environment. Only its entry file imports this (and the SES client). */
export const sesMailerFromEnvironment = (env: Environment): Mailer =>
  new SesMailer({
    client: new SESv2Client({}),
    ...(env.SES_CONFIGURATION_SET && { configurationSetName: env.SES_CONFIGURATION_SET }),
    // The tracked variants the deployed sites use (`opens`, `clicks`, `opens-clicks`) and their sets.
    trackedSets: env.SES_TRACKED_CONFIGURATION_SETS ?? {},
  });
