import { ROLES } from '../functions/core/people.js';

/** What `npm start` prints once the funnel runs: every URL, and commands that work for the config as it is. */
export interface BannerInfo {
  url: string;
  widgetBrotliBytes: number;
  widgetGzipBytes: number;
  mailViewerUrl: string;
  dynamoEndpoint: string;
  tableName: string;
  dataDir: string;
  apiKey: string;
  /** The sites the local funnel serves, in config order. */
  siteIds: string[];
  pid: number;
}

/**
 * The text `npm start` prints. With more than one site the dev key reads them all, so the lead read names
 * a site (the first; the others are listed), as the API requires.
 * @example startBanner({ url: 'http://localhost:3000', siteIds: ['demo', 'blog'], … }) // … "/v1/leads?site=demo&email=…"
 */
export function startBanner(i: BannerInfo): string {
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  const [first, ...others] = i.siteIds;
  const site = others.length && first ? `site=${first}&` : '';
  const which = others.length ? ` (site ${first}; the others: ${others.join(', ')})` : '';
  return `
Funnel is running.

  Demo blog        ${i.url}/demo   (then ${i.url}/pricing: page views of consented leads are scored)
  Console          ${i.url}/console  (sign in as ${ROLES.join(', ')}: each its own role, any password)
  Widget           ${i.url}/widget.js  (${kb(i.widgetBrotliBytes)} KB with brotli, ${kb(i.widgetGzipBytes)} KB with gzip)
  API (OpenAPI)    ${i.url}/v1/openapi.json  (every route, under ${i.url}/v1/)
  Health           ${i.url}/health
  Mail viewer      ${i.mailViewerUrl}  (SES emulator: every email the funnel sends, within seconds)
  Webhooks         ${i.url}/webhooks  (what the webhook endpoints and the CRM destinations received, each checked)
  DynamoDB Local   ${i.dynamoEndpoint}  (table "${i.tableName}", data in ${i.dataDir}/dynamodb)
  OpenID provider  ${i.url}/oidc  (the console's sign-in, for this machine only)
  Dev API key      ${i.apiKey}

Read a lead back, with its stage and score${which}:
  curl -H "Authorization: Bearer ${i.apiKey}" "${i.url}/v1/leads?${site}email=you@example.com"

Ctrl-C stops everything (as does SIGINT or SIGTERM to npm or to pid ${i.pid}).`;
}
