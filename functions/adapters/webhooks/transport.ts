import type { WebhookOutcome, WebhookTransport } from '../../core/ports.js';
import type { HttpWebhookSender } from './http-sender.js';
import { signWebhook } from './signer.js';

/** The transport port: Standard Webhooks headers on every POST, then the HTTP sender. */
export class SignedWebhookTransport implements WebhookTransport {
  constructor(private readonly sender: Pick<HttpWebhookSender, 'send'>) {}

  send(request: { url: string; body: string; webhookId: string; timestamp: Date; secret: string }): Promise<WebhookOutcome> {
    const headers = signWebhook({ secret: request.secret, id: request.webhookId, timestamp: request.timestamp, body: request.body });
    return this.sender.send({ url: request.url, headers, body: request.body });
  }
}
