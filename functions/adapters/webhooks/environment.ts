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
  const ids = env.WEBHOOK_SECRET_IDS ?? {};
  const readers = new Map(Object.entries(ids).map(([endpoint, secretId]) => [endpoint, secretReader(secretId)]));
  const destinationReaders = new Map(Object.entries(env.DESTINATION_SECRET_IDS ?? {}).map(([d, secretId]) => [d, secretReader(secretId)]));
  return {
    // Each destination's credentials: its own secret (a token, client credentials, a hook URL), read like the signing secrets.
    destinations: new VendorDestinationSender({
      http: new FetchVendorHttp(),
      secrets: {
        secretOf: async (siteId, destinationId) => {
          const read = destinationReaders.get(`${siteId}/${destinationId}`);
          if (!read) throw new Error(`no secret for destination ${siteId}/${destinationId}`);
          return read();
        },
      },
      mapping: env.CONSOLE_URL ? { consoleUrl: env.CONSOLE_URL } : {},
    }),
    webhookSecrets: {
      secretOf: async (siteId, endpointId) => {
        const read = readers.get(`${siteId}/${endpointId}`);
        if (!read) throw new Error(`no webhook secret for ${siteId}/${endpointId}`);
        const secret = await read();
        return secret.startsWith('whsec_') ? secret : `whsec_${secret}`;
      },
    },
    webhookTransport: new SignedWebhookTransport(new HttpWebhookSender({ allowPrivateNetworks: false, allowHttp: 'never' })),
  };
}
