import { describe, expect, it } from 'vitest';
import rawConfig from '../support/config.js';
import { type ConfigEnv, ConfigIndex, DEPLOYED, InvalidConfigError, parseConfig, localEnv } from '../../functions/core/config.js';
import { cloneSite, testConfig } from '../support/builders.js';
import { Display } from '../../functions/core/presentation.js';
import * as z from '../../functions/core/zod.js';

const problemsOf = (raw: unknown): string[] => {
  try {
    parseConfig(raw, localEnv());
  } catch (error) {
    if (error instanceof InvalidConfigError) return [...error.problems];
    throw error;
  }
  return [];
};

describe('Function: parseConfig', () => {
  it('accepts the shipped demo config with forms ebook and trial', () => {
    const index = new ConfigIndex(parseConfig(rawConfig, localEnv()));
    expect(index.findForm('ebook')?.site.id).toBe('demo');
    expect(index.findForm('trial')?.form.kind).toBe('free-trial');
    expect(index.allOrigins()).toContain('http://localhost:3000');
  });

  it('names the path of every bad scoring rule: bad regex, unknown operator', () => {
    const raw = testConfig((c) => {
      const scoring = c.sites[0]!.scoring!;
      scoring.fit![0]!.when = { field: 'jobTitle', matches: '(unclosed' };
      (scoring.fit![1]! as { when: unknown }).when = { field: 'jobTitle', contains: 'VP' };
    });
    expect(problemsOf(raw)).toEqual([
      'sites[id=demo].scoring.fit[id=exec].when.matches: invalid regular expression',
      'sites[id=demo].scoring.fit[id=director-manager].when: must have exactly one of seniority, domainType, equals, in, matches, range',
    ]);
  });

  it('names the path of rules that are well-formed but wrong: unknown form, duplicate id, thresholds out of order', () => {
    // (zod runs these cross-checks once the shape is valid, so they come after the errors above are fixed)
    const rules = testConfig((c) => {
      const scoring = c.sites[0]!.scoring!;
      scoring.engagement!.push({ id: 'trial-signup', label: 'Again', points: 5, when: { event: 'email_opened' } });
      scoring.thresholds.sql.score = 10;
    });
    expect(problemsOf(rules).sort()).toEqual([
      'sites[id=demo].scoring.engagement[5].id: duplicate rule id "trial-signup" (also engagement[0])',
      'sites[id=demo].scoring.thresholds.sql.score: must be at least thresholds.mql.score (40)',
    ]);
    const form = testConfig(
      (c) => void c.sites[0]!.scoring!.engagement!.push({ id: 'webinar', label: 'Webinar', points: 5, when: { event: 'form_submitted', formId: 'webinar' } }),
    );
    expect(problemsOf(form)).toEqual(['sites[id=demo].scoring.engagement[id=webinar].when.formId: no form "webinar" in site "demo"']);
  });

  it('checks the emails of every form in place: merge-field typos, the sender they need, the forms they name', () => {
    const typo = testConfig((c) => void (c.sites[0]!.forms[0]!.email!.sequence!.steps[1]!.html = '<p>Hi {{ firstNam }}</p>'));
    expect(problemsOf(typo)).toEqual([
      expect.stringMatching(/^sites\[id=demo\]\.forms\[id=ebook\]\.email\.sequence\.steps\[id=case-study\]\.html: unknown merge field "firstNam"/),
    ]);
    const noSender = testConfig((c) => void delete c.sites[0]!.email);
    expect(problemsOf(noSender)).toContainEqual(expect.stringMatching(/^sites\[id=demo\]\.email: is required: form "ebook" sends email/));
    const optInWithoutSender = testConfig((c) => {
      delete c.sites[0]!.email;
      for (const form of c.sites[0]!.forms) delete form.email;
      c.sites[0]!.forms[0]!.doubleOptIn = true;
    });
    expect(problemsOf(optInWithoutSender)).toEqual(['sites[id=demo].email: is required: form "ebook" uses double opt-in, which sends a confirmation email']);
    const unknownForm = testConfig((c) => void (c.sites[0]!.forms[0]!.email!.sequence!.exit!.formsSubmitted = ['webinar']));
    expect(problemsOf(unknownForm)).toEqual(['sites[id=demo].forms[id=ebook].email.sequence.exit.formsSubmitted[0]: no form "webinar" in site "demo"']);
    const sameSequence = testConfig((c) => void (c.sites[0]!.forms[1]!.email!.sequence!.id = 'ebook-nurture'));
    expect(problemsOf(sameSequence)).toEqual(['sites[id=demo].forms[id=trial].email.sequence.id: duplicate sequence id "ebook-nurture" (also forms[0])']);
    const noMagnet = testConfig((c) => void (c.sites[0]!.forms[1]!.email!.delivery!.text = '{{ leadMagnetUrl }}'));
    expect(problemsOf(noMagnet)).toEqual([
      expect.stringMatching(/^sites\[id=demo\]\.forms\[id=trial\]\.email\.delivery\.text: merge field "leadMagnetUrl" is always empty/),
    ]);
  });

  it('names the path of a bad lead magnet URL', () => {
    const raw = testConfig((c) => {
      (c.sites[0]!.forms[0] as { leadMagnet: { url: string } }).leadMagnet.url = 'ftp://nope';
    });
    expect(problemsOf(raw)).toEqual([expect.stringMatching(/^sites\[id=demo\]\.forms\[id=ebook\]\.leadMagnet\.url: /)]);
  });

  it('refuses a form without a required email field', () => {
    const raw = testConfig((c) => {
      c.sites[0]!.forms[0]!.fields = [{ name: 'firstName', label: 'First name' }];
    });
    expect(problemsOf(raw)).toContainEqual(expect.stringMatching(/^sites\[id=demo\]\.forms\[id=ebook\]\.fields: must include a required "email" field/));
  });

  it('refuses duplicate form ids across sites (the public URL has no site in it)', () => {
    const raw = testConfig((c) => c.sites.push({ ...structuredClone(c.sites[0]!), id: 'other' }));
    expect(problemsOf(raw)).toEqual([
      expect.stringMatching(/^sites\[id=other\]\.forms\[id=ebook\]\.id: duplicate form id "ebook" \(also in site "demo"\)/),
      expect.stringMatching(/^sites\[id=other\]\.forms\[id=trial\]\.id: duplicate/),
      expect.stringMatching(/^sites\[id=other\]\.forms\[id=newsletter\]\.id: duplicate/),
      expect.stringMatching(/^sites\[id=other\]\.forms\[id=pricing-guide\]\.id: duplicate/),
    ]);
  });

  it('refuses a field that does not exist and an origin with a path', () => {
    const raw = testConfig((c) => {
      c.sites[0]!.forms[0]!.fields.push({ name: 'favouriteColour' as never, label: 'x' });
      c.sites[0]!.allowedOrigins = ['https://blog.example.com/posts'];
    });
    const problems = problemsOf(raw);
    expect(problems).toContainEqual(expect.stringMatching(/^sites\[id=demo\]\.forms\[id=ebook\]\.fields\[4\]\.name: /));
    expect(problems).toContainEqual(expect.stringMatching(/^sites\[id=demo\]\.allowedOrigins\[0\]: must be an origin/));
  });

  it('refuses unknown keys instead of ignoring a typo', () => {
    const raw = testConfig((c) => {
      (c.sites[0]!.forms[0] as Record<string, unknown>).doubleOptin = true;
    });
    expect(problemsOf(raw)).toContainEqual(expect.stringMatching(/^sites\[id=demo\]\.forms\[id=ebook\]/));
  });
});

describe('Form presentation in the config: display, theme, strings, variants, profiling', () => {
  it('accepts the demo’s modes and fills the defaults (inline, no trigger, at most once a week, never after a submission)', () => {
    const index = new ConfigIndex(parseConfig(rawConfig, localEnv()));
    expect(index.findForm('ebook')!.form.display).toEqual({
      mode: 'inline',
      trigger: { exitIntent: false },
      cap: { days: 7, afterSubmit: true, excludePaths: [] },
    });
    expect(index.findForm('newsletter')!.form.display).toMatchObject({ mode: 'popup', trigger: { exitIntent: true }, cap: { days: 1 } });
    expect(index.findForm('pricing-guide')!.form.display.position).toBe('bottom');
  });

  it('keeps each excluded path with one trailing slash, as the widget compares the page’s path', () => {
    // Prepare
    const raw = testConfig((c) => {
      (c.sites[0]!.forms[0]! as Record<string, unknown>).display = { mode: 'popup', cap: { excludePaths: ['/pricing', '/blog*', '/docs/*', '/', '/a/b/'] } };
    });

    // Act
    const { display } = parseConfig(raw, localEnv()).sites[0]!.forms[0]!;

    // Assess: `/blog*` and `/docs/*` cover everything under them; `/pricing` is `/pricing/`; the result parses
    // again as it is, the longest pattern too
    expect(display.cap.excludePaths).toEqual(['/pricing/', '/blog/*', '/docs/*', '/', '/a/b/']);
    const longest = `/${'a'.repeat(199)}`;
    const again = Display.parse(Display.parse({ mode: 'popup', cap: { excludePaths: [longest, `${longest}*`] } }));
    expect(again.cap.excludePaths).toEqual([`${longest}/`, `${longest}/*`]);
  });

  it('documents the cap’s defaults in the OpenAPI document, excluded paths included', () => {
    const cap = JSON.stringify(z.toJSONSchema(Display, { io: 'input' }));
    expect(cap).toContain('"default":{"days":7,"afterSubmit":true,"excludePaths":[]}');
  });

  it('names a site, form and list item by its id, whatever its position, as npm start and a synth both see it', () => {
    // Prepare: the user's own site after the local-only demo (second at npm start, first when deployed)
    const raw = (env: ConfigEnv) => {
      const demo = testConfig().sites[0]!;
      const mine = cloneSite(demo, 'blog');
      (mine.forms[0] as { leadMagnet: { url: string } }).leadMagnet.url = 'not a url';
      return { sites: [...(env.local ? [demo] : []), mine] };
    };
    // Act + Assess
    const path = 'sites[id=blog].forms[id=blog-ebook].leadMagnet.url';
    expect(problemsOf(raw(localEnv()))[0]).toMatch(path);
    expect(() => parseConfig(raw, DEPLOYED)).toThrow(path);
  });

  it('names each presentation mistake by its path', () => {
    const raw = testConfig((c) => {
      const form = c.sites[0]!.forms[0]! as Record<string, unknown>;
      form.display = { mode: 'bar', position: 'left', trigger: { scrollPercent: 0 }, cap: { excludePaths: ['pricing', '', '*'] } };
      form.theme = { accent: 'red; }', font: 'x{}' };
      form.strings = { close: '', nope: 'x' };
      form.variants = [
        { id: 'a', fields: [{ name: 'firstName', label: 'Name' }] },
        { id: 'a', weight: 0 },
      ];
      form.profiling = { fields: ['email', 'country', 'country'] };
    });
    expect(problemsOf(raw).map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining([
        'sites[id=demo].forms[id=ebook].display.position',
        'sites[id=demo].forms[id=ebook].display.trigger.scrollPercent',
        'sites[id=demo].forms[id=ebook].display.cap.excludePaths[0]',
        'sites[id=demo].forms[id=ebook].display.cap.excludePaths[1]',
        'sites[id=demo].forms[id=ebook].display.cap.excludePaths[2]',
        'sites[id=demo].forms[id=ebook].theme.accent',
        'sites[id=demo].forms[id=ebook].theme.font',
        'sites[id=demo].forms[id=ebook].strings.close',
        'sites[id=demo].forms[id=ebook].strings',
        'sites[id=demo].forms[id=ebook].variants[0].fields',
        'sites[id=demo].forms[id=ebook].variants[1].id',
        'sites[id=demo].forms[id=ebook].variants[1].weight',
        'sites[id=demo].forms[id=ebook].profiling.fields[0]',
        'sites[id=demo].forms[id=ebook].profiling.fields[2]',
      ]),
    );
  });

  it('refuses a variant whose weight gives it no browser (under 1% of the total)', () => {
    const raw = testConfig((c) => void ((c.sites[0]!.forms[0]! as Record<string, unknown>).variants = [{ id: 'a' }, { id: 'b', weight: 100 }]));
    expect(problemsOf(raw)).toContainEqual(
      expect.stringMatching(/^sites\[id=demo\]\.forms\[id=ebook\]\.variants\[id=a\]\.weight: gives this variant no browser/),
    );
  });

  it('asks for at least two variants', () => {
    const raw = testConfig((c) => void ((c.sites[0]!.forms[0]! as Record<string, unknown>).variants = [{ id: 'only' }]));
    expect(problemsOf(raw)).toContainEqual(expect.stringMatching(/^sites\[id=demo\]\.forms\[id=ebook\]\.variants: must list at least two variants/));
  });
});
