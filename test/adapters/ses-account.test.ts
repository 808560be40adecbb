import {
  DeleteSuppressedDestinationCommand,
  GetAccountCommand,
  GetEmailIdentityCommand,
  GetSuppressedDestinationCommand,
  ListSuppressedDestinationsCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SesMailAccount } from '../../functions/adapters/ses/account.js';
import { ValidationError } from '../../functions/core/errors.js';

const ses = mockClient(SESv2Client);
const account = new SesMailAccount(new SESv2Client({}));
const refused = (name: string) => Object.assign(new Error(name), { name });

describe('Adapter: SesMailAccount (SES v2)', () => {
  beforeEach(() => ses.reset());

  it("reads the account: sandbox, sending, SES's verdict, the quota, what SES itself suppresses", async () => {
    ses.on(GetAccountCommand).resolves({
      ProductionAccessEnabled: false,
      SendingEnabled: true,
      EnforcementStatus: 'HEALTHY',
      SendQuota: { Max24HourSend: 200, SentLast24Hours: 12, MaxSendRate: 1 },
      SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
    });
    expect(await account.state()).toEqual({
      sandbox: true,
      sendingEnabled: true,
      enforcement: 'HEALTHY',
      quota: { max24Hour: 200, sentLast24Hours: 12, maxSendRate: 1 },
      suppressionReasons: ['BOUNCE', 'COMPLAINT'],
    });
  });

  it('reads each sender domain: verified and DKIM, or missing from the account', async () => {
    ses
      .on(GetEmailIdentityCommand, { EmailIdentity: 'acme.com' })
      .resolves({ VerifiedForSendingStatus: true, DkimAttributes: { Status: 'SUCCESS' } })
      .on(GetEmailIdentityCommand, { EmailIdentity: 'new.acme.com' })
      .rejects(refused('NotFoundException'));
    expect(await account.identities(['acme.com', 'new.acme.com'])).toEqual([
      { domain: 'acme.com', verified: true, dkim: 'SUCCESS' },
      { domain: 'new.acme.com', verified: 'missing' },
    ]);
  });

  it('finds one address on the suppression list, or a page of 50 with the next token', async () => {
    const at = new Date('2026-11-20T10:00:00Z');
    ses
      .on(GetSuppressedDestinationCommand, { EmailAddress: 'b@acme.com' })
      .resolves({ SuppressedDestination: { EmailAddress: 'b@acme.com', Reason: 'BOUNCE', LastUpdateTime: at } })
      .on(GetSuppressedDestinationCommand, { EmailAddress: 'ok@acme.com' })
      .rejects(refused('NotFoundException'))
      .on(ListSuppressedDestinationsCommand)
      .resolves({ SuppressedDestinationSummaries: [{ EmailAddress: 'c@acme.com', Reason: 'COMPLAINT', LastUpdateTime: at }], NextToken: 't2' });
    expect(await account.suppressed({ address: 'b@acme.com' })).toEqual({ entries: [{ address: 'b@acme.com', reason: 'BOUNCE', at: at.toISOString() }] });
    expect(await account.suppressed({ address: 'ok@acme.com' })).toEqual({ entries: [] });
    expect(await account.suppressed({})).toEqual({ entries: [{ address: 'c@acme.com', reason: 'COMPLAINT', at: at.toISOString() }], next: 't2' });
    expect(ses.commandCalls(ListSuppressedDestinationsCommand)[0]!.args[0].input).toEqual({ PageSize: 50 });
  });

  it('answers what SES refuses of the caller (a forged page token, an address it will not take) as a 400 naming the field', async () => {
    ses.on(ListSuppressedDestinationsCommand).rejects(refused('InvalidNextTokenException'));
    ses.on(GetSuppressedDestinationCommand).rejects(refused('BadRequestException'));
    ses.on(DeleteSuppressedDestinationCommand).rejects(refused('BadRequestException'));
    await expect(account.suppressed({ next: 'forged' })).rejects.toMatchObject({ fields: { 'query.next': expect.any(String) } });
    await expect(account.suppressed({ address: 'x@acme.com' })).rejects.toBeInstanceOf(ValidationError);
    await expect(account.unsuppress('x@acme.com')).rejects.toMatchObject({ fields: { 'params.address': expect.any(String) } });
  });

  it('takes an address off the list; one that was not on it is no error', async () => {
    ses.on(DeleteSuppressedDestinationCommand, { EmailAddress: 'b@acme.com' }).resolves({});
    ses.on(DeleteSuppressedDestinationCommand, { EmailAddress: 'ok@acme.com' }).rejects(refused('NotFoundException'));
    expect(await account.unsuppress('b@acme.com')).toBe(true);
    expect(await account.unsuppress('ok@acme.com')).toBe(false);
  });
});
