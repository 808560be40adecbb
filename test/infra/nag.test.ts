import { describe, expect, it } from 'vitest';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { buildApp } from '../../infra/funnel-app.js';
import rawConfig from '../support/config.js';
import { FIXTURE_HANDLER, FIXTURE_CONSOLE, FIXTURE_WIDGET, infraConfig, TEST_SYNTH } from './helpers.js';

const entries = Object.fromEntries(
  ['capture', 'leads', 'openapi', 'mail', 'webhooks', 'leadActivity', 'dueChecks', 'sendEmail', 'mailEvents', 'deliverWebhooks'].map((k) => [
    k,
    FIXTURE_HANDLER,
  ]),
);
const build = (config: unknown, context: Record<string, unknown> = {}) =>
  buildApp(config, {
    appProps: { context: { ...TEST_SYNTH, ...context } },
    entries,
    widgetDirectory: FIXTURE_WIDGET,
    consoleDirectory: FIXTURE_CONSOLE,
  });

describe('cdk-nag (AwsSolutions) on every synth', () => {
  it.each([
    ["the tests' config (the demo site, local only)", () => build(rawConfig)],
    [
      'a prod-like config (sites, senders, tracking, webhooks, X-Ray)',
      () =>
        build(
          infraConfig((c) => (c.sites[0]!.email!.tracking = { opens: true, clicks: true })),
          { tracing: 'true' },
        ),
    ],
    [
      'AWS WAF before CloudFront, custom domains for the API and the widget',
      () =>
        buildApp(infraConfig(), {
          appProps: {
            context: {
              ...TEST_SYNTH,
              waf: 'true',
              apiDomain: 'api.acme.com',
              apiCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
              widgetDomain: 'cdn.acme.com',
              widgetCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
            },
          },
          entries,
          widgetDirectory: FIXTURE_WIDGET,
          consoleDirectory: FIXTURE_CONSOLE,
          env: { account: '123456789012', region: 'eu-west-1' },
        }),
    ],
    [
      'a second stage using existing identities, data not retained',
      () => build(infraConfig(), { stage: 'staging', existingIdentities: '*', retainData: 'false' }),
    ],
    [
      "the console signed in by the user's own OpenID provider (a JWT authorizer on its routes)",
      () => build(infraConfig(), { consoleIssuer: 'https://login.example.com/oauth2/default', consoleAudience: 'funnel-console' }),
    ],
  ])('%s synthesizes with no unacknowledged finding', { timeout: 60_000 }, (_, make) => {
    expect(() => make().app.synth()).not.toThrow();
  });

  it('fails the synth on a finding nobody acknowledged, naming the rule', { timeout: 60_000 }, () => {
    // Prepare: a bucket with no encryption policy, no TLS policy, no access logs, none acknowledged
    const { app, stateless } = build(infraConfig());
    new s3.Bucket(stateless, 'Unreviewed');
    // Act + Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-S1|AwsSolutions-S10/);
  });
});
