import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailAccount, Mailer } from '../../core/ports.js';
import { SesMailAccount } from './account.js';
import type { Environment } from '../../environment.js';
import { SesMailer } from './mailer.js';

/** The SES mailer of a function that sends (the sender; the console's tests), from its environment. Only entry files import this (and the SES client). */
export const sesMailerFromEnvironment = (env: Environment): Mailer =>
  new SesMailer({
    client: new SESv2Client({}),
    ...(env.SES_CONFIGURATION_SET && { configurationSetName: env.SES_CONFIGURATION_SET }),
    // The tracked variants the deployed sites use (`opens`, `clicks`, `opens-clicks`) and their sets.
    trackedSets: env.SES_TRACKED_CONFIGURATION_SETS ?? {},
  });

/** The SES account (state, identities, suppression list) of the console's function. */
export const sesAccountFromEnvironment = (): MailAccount => new SesMailAccount(new SESv2Client({}));
