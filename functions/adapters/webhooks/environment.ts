import type { DestinationSender, WebhookSecrets, WebhookTransport } from '../../core/ports.js';
import { FetchVendorHttp } from '../destinations/http.js';
import { VendorDestinationSender } from '../destinations/sender.js';
import type { Environment } from '../../environment.js';
import { secretReader } from '../secrets.js';
import { HttpWebhookSender } from './http-sender.js';
import { SignedWebhookTransport } from './transport.js';

/**
 * The webhook edge of a Lambda function, from its environment: the destinations' adapters (their secrets
 * in `DESTINATION_SECRET_IDS`, the console's URL for lead links in `CONSOLE_URL`); one secret per endpoint
 * (`WEBHOOK_SECRET_IDS`: `{"site/endpoint": secret name}`, read through the Parameters and Secrets extension) in
 * the Standard Webhooks form, and a transport that signs and POSTs to public HTTPS addresses only.
 * Imported only by the entry files of functions that sign or send webhooks.
 */
export function webhookEdgesFromEnvironment(env: Environment): {
  webhookSecrets: WebhookSecrets;
  webhookTransport: WebhookTransport;
  destinations: DestinationSender;
} {
  const signing = secretsByName(env.WEBHOOK_SECRET_IDS, 'webhook secret');
  return {
    // Each destination's credentials: its own secret (a token, client credentials, a hook URL), read like the signing secrets.
    destinations: new VendorDestinationSender({
      http: new FetchVendorHttp(),
      secrets: secretsByName(env.DESTINATION_SECRET_IDS, 'destination secret'),
      mapping: env.CONSOLE_URL ? { consoleUrl: env.CONSOLE_URL } : {},
    }),
    webhookSecrets: {
      secretOf: async (siteId, endpointId) => {
        const secret = await signing.secretOf(siteId, endpointId);
        return secret.startsWith('whsec_') ? secret : `whsec_${secret}`;
      },
    },
    webhookTransport: new SignedWebhookTransport(new HttpWebhookSender({ allowPrivateNetworks: false, allowHttp: 'never' })),
  };
}

/** Secrets by `site/id`, each read (and cached) through the Parameters and Secrets extension by its name. */
function secretsByName(names: Record<string, string> | undefined, what: string): WebhookSecrets {
  const readers = new Map(Object.entries(names ?? {}).map(([key, secretId]) => [key, secretReader(secretId)]));
  return {
    secretOf: async (siteId, id) => {
      const read = readers.get(`${siteId}/${id}`);
      if (!read) throw new Error(`no ${what} for ${siteId}/${id}`);
      return read();
    },
  };
}
