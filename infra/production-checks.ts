import type { FunnelConfig } from '../functions/core/config.js';
import { formatConfigPath } from '../functions/core/field-errors.js';
import { parseMailbox } from '../functions/core/nurture/config.js';

/**
 * What a laptop allows and a deployment must not carry: every URL of the deployed config (origins, links
 * in emails, lead magnets, redirects, webhook endpoints) must be https to a public host, and no URL or
 * sender may use a reserved example domain (`acme.example`, `example.com`, `.test`, `.invalid`,
 * `.localhost`): those are the local demo's values, and a deployment that carries one sends readers and
 * emails nowhere. Each problem is named by its path in the config, as a validation error is.
 * @example productionProblems(config) // ['sites[id=blog].allowedOrigins[0]: http://localhost:3000 must be https']
 */
export function productionProblems(config: FunnelConfig): string[] {
  const problems: string[] = [];
  const visit = (value: unknown, path: PropertyKey[]) => {
    if (typeof value === 'string') {
      for (const problem of stringProblems(value, path)) problems.push(`${formatConfigPath(path, config)}: ${problem}`);
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, [...path, i]);
    } else if (value && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, [...path, key]);
    }
  };
  visit(config, []);
  return problems;
}

const URLS = /\bhttps?:\/\/[^\s"'<>)]+/gi;
const RESERVED_TLDS = new Set(['example', 'test', 'invalid', 'localhost', 'local']);
const RESERVED_DOMAINS = ['example.com', 'example.net', 'example.org'];

function stringProblems(value: string, path: PropertyKey[]): string[] {
  const key = String(path.at(-1));
  if (key === 'from' || key === 'replyTo') {
    const domain = parseMailbox(value)?.address.split('@')[1]?.toLowerCase();
    return domain && isReserved(domain) ? [`${value} is a reserved example domain: use an address on your own domain`] : [];
  }
  return [...value.matchAll(URLS)].flatMap(([raw]) => urlProblems(raw));
}

function urlProblems(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [];
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLocal(host)) return [`${raw} points at this machine or a private network (local values are for npm start)`];
  if (isReserved(host)) return [`${raw} is a reserved example domain`];
  if (url.protocol !== 'https:') return [`${raw} must be https`];
  return [];
}

const isLocal = (host: string) =>
  host === 'localhost' ||
  host.endsWith('.localhost') ||
  /^(10\.|127\.|169\.254\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|0\.)/.test(host) ||
  /^(::1?|f[cd][0-9a-f]{2}:|fe80:)/i.test(host);

const isReserved = (domain: string) =>
  RESERVED_TLDS.has(domain.split('.').at(-1) ?? '') || RESERVED_DOMAINS.some((d) => domain === d || domain.endsWith(`.${d}`));
