import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { ENDPOINTS } from '../../functions/handlers/endpoints/index.js';
import type { Endpoint } from '../../functions/handlers/endpoints/types.js';
import { API_KEY_PREFIXES, DEFAULT_WAF_RATE_LIMIT, WAF_BLOCK_BODY } from '../../infra/api-edge.js';
import { InvalidSettingError } from '../../infra/funnel-app.js';
import { FUNCTION_CONSTRUCT, functionId, synthTemplates } from './helpers.js';

const ENV = { account: '123456789012', region: 'eu-west-1' };
const CERT = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
/** The API's functions but the email links' (links already sent name the address of their day). */
const API_FUNCTIONS = ['Capture', 'Leads', 'OpenApi', 'WebhooksApi'];

describe('AWS WAF (-c waf=true)', () => {
  const { firewall, stateless, app } = synthTemplates({ context: { waf: 'true' }, env: ENV });
  const distributions = Object.entries(stateless.findResources('AWS::CloudFront::Distribution'));
  const apiDistribution = distributions.find(([id]) => id.startsWith('ApiEdge'))![1].Properties.DistributionConfig;

  it('is off by default: no web ACL, no API distribution, stacks deployable to any account and region', () => {
    const plain = synthTemplates();
    expect(plain.firewall).toBeUndefined();
    // The widget's and the console's; no API distribution
    expect(
      Object.keys(plain.stateless.findResources('AWS::CloudFront::Distribution'))
        .map((id) => id.replace(/[0-9A-F]{8}$/, ''))
        .sort(),
    ).toEqual(['ConsoleDistribution', 'WidgetDistribution']);
    expect(plain.app.node.findAll().some((c) => c.node.id.includes('Firewall'))).toBe(false);
  });

  it('puts one web ACL in us-east-1 (CloudFront takes only those) with a per-address rate limit that spares the API-key routes (by path) and answers 429 in JSON', () => {
    const stack = app.node.findChild('Funnel-prod-Firewall') as unknown as { region: string };
    expect(stack.region).toBe('us-east-1');
    firewall!.resourceCountIs('AWS::WAFv2::WebACL', 1);
    const acl = Object.values(firewall!.findResources('AWS::WAFv2::WebACL'))[0]!.Properties;
    expect(acl).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
    const [rule] = acl.Rules;
    expect(rule.Statement.RateBasedStatement).toMatchObject({ Limit: DEFAULT_WAF_RATE_LIMIT, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    // Spared by path, never by a header a script could add to a public route.
    const spared = rule.Statement.RateBasedStatement.ScopeDownStatement.NotStatement.Statement.OrStatement.Statements;
    expect(spared.map((s: any) => [s.ByteMatchStatement.FieldToMatch, s.ByteMatchStatement.PositionalConstraint, s.ByteMatchStatement.SearchString])).toEqual([
      [{ UriPath: {} }, 'STARTS_WITH', '/v1/leads'],
      [{ UriPath: {} }, 'STARTS_WITH', '/v1/prospects'],
      [{ UriPath: {} }, 'STARTS_WITH', '/v1/webhooks'],
    ]);
    expect(JSON.stringify(acl)).not.toMatch(/authorization/i);
    // No route without a key is under one of them; an API-key route is, unless it shares its prefix with
    // public routes (a form's numbers, under /v1/forms): exempting that prefix would exempt the forms too.
    for (const e of Object.values(ENDPOINTS) as Endpoint[])
      expect(
        API_KEY_PREFIXES.some((p) => e.path.startsWith(p)),
        `${e.method} ${e.path}`,
      ).toBe(e.auth === 'apiKey' && !e.path.startsWith('/v1/forms/'));
    expect(rule.Action.Block.CustomResponse).toEqual({ ResponseCode: 429, CustomResponseBodyKey: 'rateLimited' });
    expect(JSON.parse(acl.CustomResponseBodies.rateLimited.Content).error.code).toBe('rate_limited');
    expect(acl.CustomResponseBodies.rateLimited.Content).toBe(WAF_BLOCK_BODY);
  });

  it('stands before every distribution: the widget, the API and the console', () => {
    expect(distributions).toHaveLength(3);
    for (const [, d] of distributions) expect(JSON.stringify(d.Properties.DistributionConfig.WebACLId)).toMatch(/ExportsReader|WebAcl/);
  });

  it('reaches the API through CloudFront with a secret header, the visitor address forwarded, answers cached only per origin and key', () => {
    const [origin] = apiDistribution.Origins;
    expect(JSON.stringify(origin.DomainName)).toContain('.execute-api.eu-west-1.');
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(origin.OriginCustomHeaders).toEqual([
      {
        HeaderName: 'x-funnel-edge',
        HeaderValue: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: expect.stringMatching(/^ApiEdgeSecret/) }, ':SecretString:::}}']] },
      },
    ]);
    expect(apiDistribution.DefaultCacheBehavior).toMatchObject({ ViewerProtocolPolicy: 'https-only', Compress: true });
    expect(apiDistribution.DefaultCacheBehavior.AllowedMethods).toContain('POST');
    // An error API Gateway answers itself is not kept at the edge.
    expect(apiDistribution.CustomErrorResponses).toEqual([500, 502, 503, 504].map((ErrorCode) => ({ ErrorCode, ErrorCachingMinTTL: 0 })));
    stateless.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 0,
        MinTTL: 0,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization', 'Origin'] },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
          CookiesConfig: { CookieBehavior: 'none' },
        }),
      }),
    });
    const forward = Object.values(stateless.findResources('AWS::CloudFront::OriginRequestPolicy'))[0]!.Properties.OriginRequestPolicyConfig;
    expect(forward.HeadersConfig.Headers).toContain('CloudFront-Viewer-Address');
    expect(forward.HeadersConfig.Headers.map((h: string) => h.toLowerCase())).not.toContain('host');
  });

  it('gives the secret to exactly the API functions, read at run time (not its value at deploy), and the CloudFront address to callers and email links', () => {
    const functions = stateless.findResources('AWS::Lambda::Function');
    const withSecret = Object.values(FUNCTION_CONSTRUCT).filter(
      (name) => functions[functionId(stateless, name)]!.Properties.Environment.Variables.EDGE_SECRET_ARN,
    );
    expect(withSecret.sort()).toEqual([...API_FUNCTIONS].sort());
    // Each reads it through the secrets extension, allowed to its ARN; no function holds the value itself.
    for (const name of API_FUNCTIONS) {
      const fn = functions[functionId(stateless, name)]!.Properties;
      expect(fn.Environment.Variables.EDGE_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^ApiEdgeSecret/) });
      expect(JSON.stringify(fn.Layers)).toMatch(/Parameters-and-Secrets|ParamsandsecretslayerMap/);
    }
    expect(JSON.stringify(functions)).not.toContain('{{resolve:secretsmanager');
    const edgeUrl = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^ApiEdgeDistribution/), 'DomainName'] }]] };
    expect(stateless.toJSON().Outputs.ApiUrl.Value).toEqual(edgeUrl);
    expect(functions[functionId(stateless, 'SendEmail')]!.Properties.Environment.Variables.PUBLIC_API_URL).toEqual(edgeUrl);
  });

  it('sends the version of the edge secret named after a rotation, so the distribution takes the new value', () => {
    // Act
    const VERSION = '0a1b2c3d-4e5f-6789-abcd-ef0123456789';
    const { stateless: rotated } = synthTemplates({ context: { waf: 'true', edgeSecretVersion: VERSION }, env: ENV });
    // Assess: the header's dynamic reference names the version (the template text changes: CloudFormation updates the distribution)
    const distribution = Object.values(rotated.findResources('AWS::CloudFront::Distribution')).find((d) =>
      JSON.stringify(d.Properties.DistributionConfig.Origins).includes('execute-api'),
    )!;
    expect(distribution.Properties.DistributionConfig.Origins[0].OriginCustomHeaders[0].HeaderValue).toEqual({
      'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: expect.stringMatching(/^ApiEdgeSecret/) }, `:SecretString:::${VERSION}}}`]],
    });
    expect(() => synthTemplates({ context: { waf: 'true', edgeSecretVersion: 'v2' }, env: ENV })).toThrow(/edgeSecretVersion/);
  });

  it('takes the rate limit from context, within AWS WAF bounds', () => {
    const { firewall: custom } = synthTemplates({ context: { waf: 'true', wafRateLimit: '500' }, env: ENV });
    expect(Object.values(custom!.findResources('AWS::WAFv2::WebACL'))[0]!.Properties.Rules[0].Statement.RateBasedStatement.Limit).toBe(500);
    expect(() => synthTemplates({ context: { waf: 'true', wafRateLimit: '5' }, env: ENV })).toThrow(/"wafRateLimit".*from 10/);
  });

  it('needs the target account and region (the CLI takes them from the credentials), and says so', () => {
    expect(() => synthTemplates({ context: { waf: 'true' }, env: {} })).toThrow(InvalidSettingError);
    expect(() => synthTemplates({ context: { waf: 'true' }, env: {} })).toThrow(/CDK_DEFAULT_ACCOUNT/);
  });

  it('puts the API name on its distribution, with a us-east-1 certificate (CloudFront takes only those)', () => {
    const { stateless: named } = synthTemplates({ context: { waf: 'true', apiDomain: 'api.acme.com', apiCertificateArn: CERT('us-east-1') }, env: ENV });
    const config = Object.entries(named.findResources('AWS::CloudFront::Distribution')).find(([id]) => id.startsWith('ApiEdge'))![1].Properties
      .DistributionConfig;
    expect(config.Aliases).toEqual(['api.acme.com']);
    expect(config.ViewerCertificate).toMatchObject({ AcmCertificateArn: CERT('us-east-1'), MinimumProtocolVersion: 'TLSv1.2_2021' });
    named.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(named.toJSON().Outputs.ApiUrl.Value).toBe('https://api.acme.com');
    expect(() => synthTemplates({ context: { waf: 'true', apiDomain: 'api.acme.com', apiCertificateArn: CERT('eu-west-1') }, env: ENV })).toThrow(/us-east-1/);
  });
});
