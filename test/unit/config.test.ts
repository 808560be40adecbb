import { describe, expect, it } from 'vitest';
import rawConfig from '../../config/funnel.config.js';
import { ConfigIndex, InvalidConfigError, parseConfig } from '../../functions/core/config.js';
import { testConfig } from '../support/builders.js';

const problemsOf = (raw: unknown): string[] => {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof InvalidConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('Function: parseConfig', () => {
  it('accepts the shipped demo config with forms ebook and trial', () => {
    const index = new ConfigIndex(parseConfig(rawConfig));
    expect(index.findForm('ebook')?.site.id).toBe('demo');
    expect(index.findForm('trial')?.form.kind).toBe('free-trial');
    expect(index.allOrigins()).toContain('http://localhost:3000');
  });

  it('names the path of a bad lead magnet URL', () => {
    const raw = testConfig((c) => {
      (c.sites[0]!.forms[0] as { leadMagnet: { url: string } }).leadMagnet.url = 'ftp://nope';
    });
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^sites\[0\]\.forms\[0\]\.leadMagnet\.url: /)]);
  });

  it('refuses a form without a required email field', () => {
    const raw = testConfig((c) => {
      c.sites[0]!.forms[0]!.fields = [{ name: 'firstName', label: 'First name' }];
    });
    expect(problemsOf(raw)).toContainEqual(expect.stringMatching(/^sites\[0\]\.forms\[0\]\.fields: must include a required "email" field/));
  });

  it('refuses duplicate form ids across sites (the public URL has no site in it)', () => {
    const raw = testConfig((c) => c.sites.push({ ...structuredClone(c.sites[0]!), id: 'other' }));
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^sites\[1\]\.forms\[0\]\.id: duplicate form id "ebook" \(also in site "demo"\)/), expect.stringMatching(/^sites\[1\]\.forms\[1\]\.id: duplicate/)]);
  });

  it('refuses a field that does not exist and an origin with a path', () => {
    const raw = testConfig((c) => {
      c.sites[0]!.forms[0]!.fields.push({ name: 'favouriteColour' as never, label: 'x' });
      c.sites[0]!.allowedOrigins = ['https://blog.example.com/posts'];
    });
    const problems = problemsOf(raw);
    expect(problems).toContainEqual(expect.stringMatching(/^sites\[0\]\.forms\[0\]\.fields\[4\]\.name: /));
    expect(problems).toContainEqual(expect.stringMatching(/^sites\[0\]\.allowedOrigins\[0\]: must be an origin/));
  });

  it('refuses unknown keys instead of ignoring a typo', () => {
    const raw = testConfig((c) => {
      (c.sites[0]!.forms[0] as Record<string, unknown>).doubleOptin = true;
    });
    expect(problemsOf(raw)).toContainEqual(expect.stringMatching(/^sites\[0\]\.forms\[0\]/));
  });
});
