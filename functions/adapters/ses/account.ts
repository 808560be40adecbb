import {
  DeleteSuppressedDestinationCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  GetSuppressedDestinationCommand,
  ListSuppressedDestinationsCommand,
  type SESv2Client,
  type ListSuppressedDestinationsCommandOutput,
} from '@aws-sdk/client-sesv2';
import { ValidationError } from '../../core/errors.js';
import type { MailAccount, MailAccountState, SenderIdentity, SuppressedAddress } from '../../core/ports.js';

const notFound = (error: unknown) => (error as { name?: string }).name === 'NotFoundException';
/** SES refusing what the person typed or passed on (an address it will not take, a page token it never gave). */
const refused = (error: unknown) => ['BadRequestException', 'InvalidNextTokenException'].includes((error as { name?: string }).name ?? '');

/**
 * The mail account on Amazon SES v2: `GetAccount` (sandbox, quota, SES's enforcement status),
 * `GetEmailIdentity` per sender domain (verified, DKIM), and the account-level suppression list
 * (`GetSuppressedDestination` for one address, `ListSuppressedDestinations` newest page,
 * `DeleteSuppressedDestination`).
 */
export class SesMailAccount implements MailAccount {
  constructor(private readonly client: SESv2Client) {}

  async state(): Promise<MailAccountState> {
    const a = await this.client.send(new GetAccountCommand({}));
    return {
      sandbox: a.ProductionAccessEnabled !== true,
      sendingEnabled: a.SendingEnabled === true,
      ...(a.EnforcementStatus && { enforcement: a.EnforcementStatus }),
      ...(a.SendQuota && {
        quota: { max24Hour: a.SendQuota.Max24HourSend ?? 0, sentLast24Hours: a.SendQuota.SentLast24Hours ?? 0, maxSendRate: a.SendQuota.MaxSendRate ?? 0 },
      }),
      suppressionReasons: a.SuppressionAttributes?.SuppressedReasons ?? [],
    };
  }

  async identities(domains: readonly string[]): Promise<SenderIdentity[]> {
    return Promise.all(
      domains.map(async (domain) => {
        try {
          const i = await this.client.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
          return { domain, verified: i.VerifiedForSendingStatus === true, ...(i.DkimAttributes?.Status && { dkim: i.DkimAttributes.Status }) };
        } catch (error) {
          if (notFound(error)) return { domain, verified: 'missing' as const };
          throw error;
        }
      }),
    );
  }

  async suppressed(query: { address?: string; next?: string }): Promise<{ entries: SuppressedAddress[]; next?: string }> {
    if (query.address) {
      try {
        const { SuppressedDestination: d } = await this.client.send(new GetSuppressedDestinationCommand({ EmailAddress: query.address }));
        return { entries: d ? [entryOf(d)] : [] };
      } catch (error) {
        if (notFound(error)) return { entries: [] };
        if (refused(error)) throw new ValidationError({ 'query.address': 'is not an address SES takes' });
        throw error;
      }
    }
    let page: ListSuppressedDestinationsCommandOutput;
    try {
      page = await this.client.send(new ListSuppressedDestinationsCommand({ PageSize: 50, ...(query.next && { NextToken: query.next }) }));
    } catch (error) {
      if (refused(error)) throw new ValidationError({ 'query.next': 'is not a page token SES gave (start again without it)' });
      throw error;
    }
    return { entries: (page.SuppressedDestinationSummaries ?? []).map(entryOf), ...(page.NextToken && { next: page.NextToken }) };
  }

  async unsuppress(address: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteSuppressedDestinationCommand({ EmailAddress: address }));
      return true;
    } catch (error) {
      if (notFound(error)) return false;
      if (refused(error)) throw new ValidationError({ 'params.address': 'is not an address SES takes' });
      throw error;
    }
  }
}

const entryOf = (d: { EmailAddress?: string; Reason?: string; LastUpdateTime?: Date }): SuppressedAddress => ({
  address: d.EmailAddress ?? '',
  reason: d.Reason === 'COMPLAINT' ? 'COMPLAINT' : 'BOUNCE',
  at: (d.LastUpdateTime ?? new Date(0)).toISOString(),
});
