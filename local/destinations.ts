import { existsSync, readFileSync } from 'node:fs';
import type { DestinationKind } from '../functions/core/destinations/config.js';
import type { FunnelConfig } from '../functions/core/config.js';
import type { DestinationSender } from '../functions/core/ports.js';
import { FetchVendorHttp } from '../functions/adapters/destinations/http.js';
import { VendorDestinationSender } from '../functions/adapters/destinations/sender.js';
import { MOCK_CREDENTIALS, startVendorMock, type VendorMock } from './vendor-mock.js';

/** Where the local funnel's destinations send: the validating mock (the default), or the vendors themselves. */
export type LocalDestinationMode = { mode: 'mock' } | { mode: 'live'; secretsFile: string };

/** The credentials the validating mock takes, by kind (a mock destination needs no secret of yours). */
const MOCK_SECRETS: Record<DestinationKind, string> = {
  hubspot: MOCK_CREDENTIALS.hubspotToken,
  pipedrive: MOCK_CREDENTIALS.pipedriveToken,
  salesforce: JSON.stringify({ clientId: MOCK_CREDENTIALS.salesforce.clientId, clientSecret: MOCK_CREDENTIALS.salesforce.clientSecret }),
  slack: 'https://hooks.slack.com/services/T0LOCAL/B0LOCAL/mockHook1',
};

/**
 * The local funnel's destinations. `mock`: each vendor's validating mock on a loopback port, which checks
 * every request against the vendor's API description and keeps what it got for the inspector; nothing
 * leaves the machine. `live`: the vendors' APIs, with each destination's credentials from a JSON file
 * (`{"site/destination": "…"}`), read at every use, so a changed credential is used without a restart.
 */
export async function localDestinations(
  config: FunnelConfig,
  mode: LocalDestinationMode,
  consoleUrl: string,
): Promise<{ sender: DestinationSender; mock?: VendorMock }> {
  const kinds = new Map(config.sites.flatMap((s) => (s.destinations ?? []).map((d) => [`${s.id}/${d.id}`, d.kind] as const)));
  if (mode.mode === 'live') {
    const sender = new VendorDestinationSender({
      http: new FetchVendorHttp(),
      mapping: { consoleUrl },
      secrets: {
        secretOf: async (siteId, id) => {
          let all: Record<string, string> = {};
          try {
            if (existsSync(mode.secretsFile)) all = JSON.parse(readFileSync(mode.secretsFile, 'utf8')) as Record<string, string>;
          } catch {
            // JSON.parse's error quotes the file: words of our own instead, the file's contents are secrets.
            throw new Error(`${mode.secretsFile} is not JSON ({"site/destination": "…"})`);
          }
          const secret = all[`${siteId}/${id}`];
          if (!secret) throw new Error(`no credentials for ${siteId}/${id} in ${mode.secretsFile}`);
          return secret;
        },
      },
    });
    return { sender };
  }
  const mock = kinds.size ? await startVendorMock() : undefined;
  const sender = new VendorDestinationSender({
    http: new FetchVendorHttp({ allowLocalhost: true }),
    mapping: { consoleUrl },
    secrets: { secretOf: async (siteId, id) => MOCK_SECRETS[kinds.get(`${siteId}/${id}`) ?? 'hubspot'] },
    ...(mock && { origins: mock.origins() }),
  });
  return { sender, ...(mock && { mock }) };
}
