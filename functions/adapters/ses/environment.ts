import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer } from '../../core/ports.js';
import { SesMailer } from './mailer.js';

/** The SES mailer of the sending function, from its environment. Only its entry file imports this (and the SES client). */
export const sesMailerFromEnvironment = (): Mailer => {
  const configurationSetName = process.env.SES_CONFIGURATION_SET;
  // `{"opens": name, "clicks": name, "opens-clicks": name}`: the tracked variants the deployed sites use.
  const trackedSets = JSON.parse(process.env.SES_TRACKED_CONFIGURATION_SETS ?? '{}') as Record<string, string>;
  return new SesMailer({ client: new SESv2Client({}), ...(configurationSetName && { configurationSetName }), trackedSets });
};
