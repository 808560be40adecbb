import type { WebhookSecrets, WebhookTransport } from '../../core/ports.js';
import type { Environment } from '../../environment.js';
import { secretReader } from '../secrets.js';
import { HttpWebhookSender } from './http-sender.js';
import { SignedWebhookTransport } from './transport.js';

/**
 * The webhook edge of a Lambda function, from its environment: one secret per endpoint
 * (`WEBHOOK_SECRET_IDS`: `{"site/endpoint": secret name}`, read through the Parameters and Secrets extension) in
 * the Standard Webhooks form, and a transport that signs and POSTs to public HTTPS addresses only.
 * Imported only by the entry files of functions that sign or send webhooks.
 */
export function webhookEdgesFromEnvironment(env: Environment): { webhookSecrets: WebhookSecrets; webhookTransport: WebhookTransport } {
  const ids = env.WEBHOOK_SECRET_IDS ?? {};
  const readers = new Map(Object.entries(ids).map(([endpoint, secretId]) => [endpoint, secretReader(secretId)]));
  return {
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
