import { describe, expect, it } from 'vitest';
import { clientKeyOf, clientNetwork } from '../../functions/core/rate-limit.js';

describe('Function: clientNetwork', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:7:9::1', '2001:db8:7:9::/64'],
    ['2001:0DB8:0007:0009:ffff:ffff:ffff:fffe', '2001:db8:7:9::/64'],
    ['[2001:db8::1]', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8:1:2:3:4:1.2.3.4', '2001:db8:1:2::/64'],
  ])('counts %s as %s', (ip, network) => {
    expect(clientNetwork(ip)).toBe(network);
  });

  it('gives one key per address or /64, with no address in it', () => {
    expect(clientKeyOf('2001:db8:7:9::1')).toBe(clientKeyOf('2001:db8:7:9:abcd::2'));
    expect(clientKeyOf('2001:db8:7:9::1')).not.toBe(clientKeyOf('2001:db8:7:a::1'));
    expect(clientKeyOf('203.0.113.7')).not.toBe(clientKeyOf('203.0.113.8'));
    expect(clientKeyOf('203.0.113.7')).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
