import { describe, expect, it } from 'vitest';
import shippedConfig from '../../config/funnel.config.js';
import { DEPLOYED, localEnv, parseConfig } from '../../functions/core/config.js';
import { buildApp } from '../../infra/funnel-app.js';
import { FIXTURE_HANDLER, FIXTURE_CONSOLE, FIXTURE_WIDGET, TEST_SYNTH } from './helpers.js';

/**
 * The one test that reads `config/funnel.config.ts`, the user's file: it must validate in both views and
 * synthesize (cdk-nag included). Every other test runs on its own fixture (test/support/config.ts), so a
 * user's site changes nothing else; a mistake in their config fails here, by the path of the bad value.
 */
describe('The shipped config (config/funnel.config.ts)', () => {
  it('validates as `npm start` and as a deployment read it', () => {
    // Act
    const local = parseConfig(shippedConfig, localEnv('http://localhost:3100'));
    const deployed = parseConfig(shippedConfig, DEPLOYED);
    // Assess: the demo is there locally, never deployed
    expect(local.sites.map((s) => s.id)).toContain('demo');
    expect(deployed.sites.map((s) => s.id)).not.toContain('demo');
  });

  it('synthesizes with no unacknowledged cdk-nag finding', { timeout: 120_000 }, () => {
    const entries = Object.fromEntries(
      ['capture', 'leads', 'openapi', 'mail', 'webhooks', 'leadActivity', 'dueChecks', 'sendEmail', 'mailEvents', 'deliverWebhooks'].map((k) => [
        k,
        FIXTURE_HANDLER,
      ]),
    );
    const { app } = buildApp(shippedConfig, {
      appProps: { context: TEST_SYNTH },
      entries,
      widgetDirectory: FIXTURE_WIDGET,
      consoleDirectory: FIXTURE_CONSOLE,
    });
    expect(() => app.synth()).not.toThrow();
  });
});
