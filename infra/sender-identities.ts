import type { FunnelConfig } from '../functions/core/config.js';
import { parseMailbox } from '../functions/core/nurture/config.js';

/**
 * The SES domain identities a deployment sends from. SES keeps one identity per domain per account and
 * region, whichever stack or console made it: each domain is either created by this stage's stateful
 * stack, or named in `existingIdentities` (made by another stage, or verified in the console) and only
 * used. An identity covers its domain and its subdomains, as SES does.
 */
export interface SenderIdentities {
  /** Domains whose identity this stage creates (with Easy DKIM, retained). */
  readonly create: readonly string[];
  /** Domains whose identity already exists in the account and region: granted, not created. */
  readonly existing: readonly string[];
}

/** Every domain this deployment may send from: those it creates and those it uses. */
export const managedDomains = (ids: SenderIdentities): string[] => [...ids.create, ...ids.existing];

/** The domain of a sender address, lower-cased. */
export const senderDomainOf = (mailbox: string): string | undefined => parseMailbox(mailbox)?.address.split('@')[1]?.toLowerCase();

/** The distinct domains of every deployed site's sender, in config order. */
export function configSenderDomains(config: FunnelConfig): string[] {
  return [...new Set(config.sites.flatMap((s) => (s.email ? [senderDomainOf(s.email.from)] : [])).filter((d): d is string => Boolean(d)))];
}

/** Whether an identity for `domain` lets SES send from `address`'s domain (the domain itself or a subdomain). */
export const covers = (domain: string, addressDomain: string): boolean => addressDomain === domain || addressDomain.endsWith(`.${domain}`);

/**
 * Plan the identities: `domains` (from `-c senderDomains`, else every deployed site's sender domain) minus
 * the ones `existing` names (`*`: all of them) are created; the rest are used as they are.
 */
export function planSenderIdentities(domains: readonly string[], existing: readonly string[] | '*'): SenderIdentities {
  const isExisting = (d: string) => existing === '*' || existing.includes(d);
  const all = [...new Set([...domains, ...(existing === '*' ? [] : existing)])];
  return { create: all.filter((d) => !isExisting(d)), existing: all.filter(isExisting) };
}

/**
 * Senders no managed identity covers, by their path in the config: SES would refuse every email they send
 * (and the sender's role could not send them), so synth fails on them instead of the first lead magnet.
 */
export function senderProblems(config: FunnelConfig, ids: SenderIdentities): string[] {
  const managed = managedDomains(ids);
  return config.sites.flatMap((site) => {
    const domain = site.email && senderDomainOf(site.email.from);
    if (!site.email || (domain && managed.some((m) => covers(m, domain)))) return [];
    const list = managed.length ? managed.join(', ') : 'none';
    return [`sites[id=${site.id}].email.from: ${site.email.from} is not on a domain this deployment sends from (${list}): add its domain to -c senderDomains`];
  });
}
