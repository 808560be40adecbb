import { DestinationKind, type Destination } from '../../core/destinations/config.js';
import type { MappingContext } from '../../core/destinations/mapping.js';
import type { DestinationSender, ErasureSubject, WebhookOutcome, WebhookSecrets } from '../../core/ports.js';
import type { WebhookPayload } from '../../core/webhooks/payload.js';
import { DestinationSecretError, type VendorContext } from './calls.js';
import type { VendorHttp } from './http.js';
import { deliverToHubSpot, eraseFromHubSpot } from './hubspot.js';
import { deliverToPipedrive, eraseFromPipedrive } from './pipedrive.js';
import { deliverToSalesforce, eraseFromSalesforce, SalesforceSession } from './salesforce.js';
import { deliverToSlack } from './slack.js';

export interface DestinationSenderOptions {
  http: VendorHttp;
  /** Each destination's secret by site and destination id (Secrets Manager deployed, a file locally). */
  secrets: WebhookSecrets;
  mapping: MappingContext;
  /** The local validating mocks in place of each vendor's origin (`npm start`, tests); never on AWS. */
  origins?: Partial<Record<DestinationKind, string>>;
  now?: () => Date;
}

/** The destination port: each kind's adapter, behind one `deliver` and one `erase`. */
export class VendorDestinationSender implements DestinationSender {
  private readonly salesforce: SalesforceSession;
  private readonly now: () => Date;

  constructor(private readonly options: DestinationSenderOptions) {
    this.now = options.now ?? (() => new Date());
    this.salesforce = new SalesforceSession(this.now);
  }

  private context(destination: Destination, siteId: string): VendorContext {
    const origin = this.options.origins?.[destination.kind];
    return {
      http: this.options.http,
      // Reading the secret fails with the store's words (a secret's name, never its value).
      credentials: () =>
        this.options.secrets.secretOf(siteId, destination.id).catch((e: Error) => {
          throw new DestinationSecretError(`it could not be read (${e.message})`);
        }),
      ...(origin && { origin }),
      mapping: this.options.mapping,
      now: this.now,
    };
  }

  /**
   * A secret that cannot be read or used (missing, not the JSON its vendor needs), or anything else that
   * threw: retried, with words for the log that never quote a secret (only our own fixed messages, else the
   * error's name).
   */
  private async guarded(run: () => Promise<WebhookOutcome>): Promise<WebhookOutcome> {
    try {
      return await run();
    } catch (error) {
      const e = error as Error;
      if (e instanceof DestinationSecretError) return { kind: 'network', code: 'ESECRET', message: `the destination's secret: ${e.message}`, latencyMs: 0 };
      return { kind: 'network', code: 'EDESTINATION', message: `the delivery failed before an answer (${e.name})`, latencyMs: 0 };
    }
  }

  deliver(destination: Destination, request: { siteId: string; deliveryId: string; body: string }): Promise<WebhookOutcome> {
    return this.guarded(() => this.deliverNow(destination, request));
  }

  private async deliverNow(destination: Destination, request: { siteId: string; deliveryId: string; body: string }): Promise<WebhookOutcome> {
    const ctx = this.context(destination, request.siteId);
    const payload = JSON.parse(request.body) as WebhookPayload;
    switch (destination.kind) {
      case DestinationKind.HubSpot:
        return deliverToHubSpot(ctx, destination, payload, request.deliveryId);
      case DestinationKind.Salesforce:
        return deliverToSalesforce(ctx, this.salesforce, destination, request.siteId, payload, request.deliveryId);
      case DestinationKind.Pipedrive:
        return deliverToPipedrive(ctx, destination, payload);
      case DestinationKind.Slack:
        return deliverToSlack(ctx, destination, payload);
    }
  }

  async erase(destination: Destination, subject: ErasureSubject): Promise<WebhookOutcome | { kind: 'unsupported'; reason: string }> {
    const ctx = this.context(destination, subject.siteId);
    switch (destination.kind) {
      case DestinationKind.HubSpot:
        return this.guarded(() => eraseFromHubSpot(ctx, subject));
      case DestinationKind.Salesforce:
        return this.guarded(() => eraseFromSalesforce(ctx, this.salesforce, destination, subject));
      case DestinationKind.Pipedrive:
        return this.guarded(() => eraseFromPipedrive(ctx, subject));
      case DestinationKind.Slack:
        return { kind: 'unsupported', reason: 'a message posted through an incoming webhook cannot be deleted through it' };
    }
  }
}
