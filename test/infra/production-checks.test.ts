import { describe, expect, it } from 'vitest';
import { InvalidConfigError, localEnv, parseConfig, resolveConfig } from '../../functions/core/config.js';
import rawConfig from '../support/config.js';
import { productionProblems } from '../../infra/production-checks.js';
import { deployableConfig, synthTemplates } from './helpers.js';

describe('what a deployment must not carry (local and example values)', () => {
  it('finds every local URL and example sender of the demo config, each by its path', () => {
    const local = parseConfig(resolveConfig(rawConfig, localEnv('http://localhost:3000')), localEnv());
    const problems = productionProblems(local);
    expect(problems).toContain(
      'sites[id=demo].allowedOrigins[0]: http://localhost:3000 points at this machine or a private network (local values are for npm start)',
    );
    expect(problems).toContain('sites[id=demo].email.from: Acme <hello@acme.example> is a reserved example domain: use an address on your own domain');
    expect(problems.some((p) => /^sites\[id=demo\]\.forms\[id=ebook\]\.leadMagnet\.url: http:\/\/localhost:3000\/demo\/assets\//.test(p))).toBe(true);
    // Links inside email bodies too.
    expect(problems.some((p) => /^sites\[id=demo\]\.forms\[id=[a-z-]+\]\.email\..*: http:\/\/localhost:3000/.test(p))).toBe(true);
  });

  it('accepts the demo config moved to https and a real domain', () => {
    expect(productionProblems(parseConfig(deployableConfig(), localEnv()))).toEqual([]);
  });

  it('refuses http, private addresses and reserved domains anywhere in a URL', () => {
    const config = parseConfig(deployableConfig(), localEnv());
    config.sites[0]!.allowedOrigins = ['http://blog.acme.com', 'https://10.0.0.5', 'https://docs.example.com', 'https://shop.test'];
    expect(productionProblems(config)).toEqual([
      'sites[id=demo].allowedOrigins[0]: http://blog.acme.com must be https',
      'sites[id=demo].allowedOrigins[1]: https://10.0.0.5 points at this machine or a private network (local values are for npm start)',
      'sites[id=demo].allowedOrigins[2]: https://docs.example.com is a reserved example domain',
      'sites[id=demo].allowedOrigins[3]: https://shop.test is a reserved example domain',
    ]);
  });

  it('fails synth with the paths, before any stack is built', () => {
    const local = resolveConfig(rawConfig, localEnv());
    // The demo site exists only in the local view; force it into the deployed one.
    expect(() => synthTemplates({ config: local })).toThrow(InvalidConfigError);
    expect(() => synthTemplates({ config: local })).toThrow(/allowedOrigins\[0\]: http:\/\/localhost:3000/);
  });
});
