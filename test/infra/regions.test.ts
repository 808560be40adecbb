import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { PARAMS_AND_SECRETS_VERSION } from '../../infra/stateless-stack.js';
import { refuseUnservedRegion } from '../../infra/funnel-app.js';
import { synthTemplates } from './helpers.js';

const CERT = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
const commercial = RegionInfo.regions.filter((r) => r.partition === 'aws').map((r) => r.name);
const served = commercial.filter((r) => RegionInfo.get(r).paramsAndSecretsLambdaLayerArn(PARAMS_AND_SECRETS_VERSION, 'arm64'));

/**
 * Deploys that work in every region they accept, and the second stage or region too: a region the
 * functions' secrets extension is not published in is refused at synth with one line; names unique per
 * account carry the region; the API's certificate is checked against the region it must be in.
 */
describe('Regions', () => {
  it('refuses, in one line naming the regions it serves, a commercial region whose secrets extension is not published', () => {
    // Prepare: aws-cdk-lib's own map of the layer (arm64) lacks some commercial regions
    const unserved = commercial.filter((r) => !served.includes(r));
    expect(unserved).toContain('ap-southeast-4');
    // Act + Assess
    for (const region of unserved) expect(() => refuseUnservedRegion(region), region).toThrow(`Funnel cannot deploy to ${region}`);
    for (const region of served) expect(() => refuseUnservedRegion(region), region).not.toThrow();
    expect(() => synthTemplates({ env: { account: '123456789012', region: 'ap-southeast-4' } })).toThrow(/Regions it deploys to: .*eu-west-1/);
  });

  it('synthesizes region-agnostic stacks whose layer map covers every region it does not refuse', { timeout: 60_000 }, () => {
    // Act
    const { stateless } = synthTemplates();
    // Assess: the deploy-time look-up has an entry for every served region
    const mapping = Object.values(stateless.toJSON().Mappings as Record<string, Record<string, Record<string, string>>>).find(
      (m) => m['eu-west-1'] && Object.values(m['eu-west-1'])[0]?.includes('Parameters-and-Secrets'),
    );
    expect(mapping).toBeDefined();
    for (const region of served) expect(Object.keys(mapping!), region).toContain(region);
  });

  it('puts the region in every name unique per account: a stage in two regions of one account does not collide', { timeout: 60_000 }, () => {
    // Act
    const env = { account: '123456789012', region: 'eu-west-1' };
    const { stateless } = synthTemplates({ env, context: { waf: 'true' } });
    // Assess
    const names = [
      ...Object.values(stateless.findResources('AWS::CloudFront::OriginRequestPolicy')).map((r) => r.Properties.OriginRequestPolicyConfig.Name),
      ...Object.values(stateless.findResources('AWS::CloudFront::ResponseHeadersPolicy')).map((r) => r.Properties.ResponseHeadersPolicyConfig.Name),
      ...Object.values(stateless.findResources('AWS::CloudFront::OriginAccessControl')).map((r) => r.Properties.OriginAccessControlConfig.Name),
      ...Object.values(stateless.findResources('AWS::CloudWatch::Dashboard')).map((r) => r.Properties.DashboardName),
    ];
    // The API's and the console's forwarding, the widget's and the console's headers and origin access, the dashboard
    expect(names).toHaveLength(7);
    for (const name of names) expect(name).toMatch(/-eu-west-1$/);
    for (const name of names.slice(0, 3)) expect(name.length).toBeLessThanOrEqual(64);
    // Region-agnostic stacks: the region is the deploy's own
    const agnostic = synthTemplates().stateless;
    agnostic.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ Ref: 'AWS::Region' }])] }),
    });
  });

  it("checks the API's certificate against the region it must be in, with WAF (us-east-1) and without (the stack's)", () => {
    const env = { account: '123456789012', region: 'eu-west-1' };
    const api = (cert: string, waf?: string) => ({ apiDomain: 'api.acme.com', apiCertificateArn: cert, ...(waf && { waf }) });
    expect(() => synthTemplates({ env, context: api(CERT('us-east-1')) })).toThrow(/a certificate in eu-west-1 \(a regional API name/);
    expect(() => synthTemplates({ env, context: api(CERT('eu-west-1')) })).not.toThrow();
    expect(() => synthTemplates({ env, context: api(CERT('eu-west-1'), 'true') })).toThrow(/a certificate in us-east-1 \(CloudFront/);
  });
});
