import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Ceiling, Clock, RateLimiter } from './ports.js';

/**
 * Who a rate limit counts: one IPv4 address, or one IPv6 /64 (the block one home, office or phone is
 * given: an attacker holding a /64 has 2^64 addresses, each of which would otherwise be a new client). An
 * IPv4 address written as IPv6 (`::ffff:203.0.113.7`) is the IPv4 address. Hashed: no address in a key.
 * @example clientKeyOf('2001:db8:1:2::7') === clientKeyOf('2001:db8:1:2:ffff::1') // true: the same /64
 */
export function clientKeyOf(ip: string): string {
  return createHash('sha256').update(clientNetwork(ip)).digest('base64url').slice(0, 22);
}

/**
 * The network one party can hold, hashed: an IPv4 /24 or an IPv6 /48 (a site's allocation). What the
 * impression ceilings count, so 250 addresses of one /24 are one prefix.
 * @example prefixKeyOf('203.0.113.7') === prefixKeyOf('203.0.113.250') // true
 */
export function prefixKeyOf(ip: string): string {
  const network = clientNetwork(ip);
  const prefix = network.endsWith('::/64') ? `${network.split(':').slice(0, 3).join(':')}::/48` : network.replace(/\.\d+$/, '.0/24');
  return createHash('sha256').update(prefix).digest('base64url').slice(0, 22);
}

/** The address or /64 a client is counted by, in a canonical spelling. */
export function clientNetwork(ip: string): string {
  const raw = ip
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(raw);
  if (mapped) return mapped[1]!;
  if (isIP(raw) !== 6) return raw.toLowerCase();
  return `${expandIPv6(raw).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function expandIPv6(ip: string): string[] {
  let address = ip.toLowerCase();
  // A trailing dotted IPv4 part (::1.2.3.4) is two groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    address = `${address.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => parseInt(g || '0', 16).toString(16));
}

/** {@link Ceiling} over a shared counter: the refusals it has seen are kept in this environment until their window ends. */
export class LateCeiling implements Ceiling {
  private readonly reachedUntil = new Map<string, number>();
  constructor(
    private readonly counter: RateLimiter,
    private readonly clock: Clock,
  ) {}

  retryAfter(key: string): number | undefined {
    const until = this.reachedUntil.get(key);
    const now = this.clock.now().getTime();
    if (until === undefined || until <= now) return undefined;
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  async count(key: string, limit: number, windowSeconds: number): Promise<void> {
    const hit = await this.counter.hit(key, limit, windowSeconds);
    if (!hit.allowed) this.reachedUntil.set(key, this.clock.now().getTime() + hit.retryAfterSeconds * 1000);
  }
}
