import { TABLE } from './table.js';

/**
 * The update that adds counts to a counter item and sets its expiry once: `ADD #m0 :m0, … SET #ttl =
 * if_not_exists(#ttl, :ttl)`, with its names and values. Zero counts are left out (none: `undefined`).
 * Shared by the form counters and the email counters.
 */
export function addCountsUpdate(add: Partial<Record<string, number>>, expiresAt: number) {
  const metrics = Object.entries(add).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] !== 0);
  if (!metrics.length) return undefined;
  return {
    UpdateExpression: `ADD ${metrics.map((_, i) => `#m${i} :m${i}`).join(', ')} SET #ttl = if_not_exists(#ttl, :ttl)`,
    ExpressionAttributeNames: { ...Object.fromEntries(metrics.map(([m], i) => [`#m${i}`, m])), '#ttl': TABLE.ttlAttribute },
    ExpressionAttributeValues: { ...Object.fromEntries(metrics.map(([, n], i) => [`:m${i}`, n])), ':ttl': expiresAt } as Record<string, unknown>,
  };
}

/** When a counter of `day` expires: `days` after the day began (epoch seconds, as the table's TTL reads it). */
export const counterExpiry = (day: string, days: number): number => Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + days * 86_400;
