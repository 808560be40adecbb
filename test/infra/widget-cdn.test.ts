import { describe, expect, it } from 'vitest';
import { Match } from 'aws-cdk-lib/assertions';
import { ROUTES } from '../../functions/handlers/endpoints/index.js';
import { InvalidSettingError } from '../../infra/funnel-app.js';
import { CACHE_CONTROL } from '../../widget/build.js';
import { synthTemplates } from './helpers.js';

const CERT = (region: string) => `arn:aws:acm:${region}:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
/** AWS's managed CachingOptimized policy: honours the object's Cache-Control, gzip and brotli. */
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

describe('the widget on S3 behind CloudFront', () => {
  const { stateless } = synthTemplates();
  const uploads = Object.entries(stateless.findResources('Custom::CDKBucketDeployment'));
  const upload = (include: string) => uploads.find(([, r]) => r.Properties.Include?.[0] === include)!;

  it('is no longer served by a function or an API route', () => {
    expect(ROUTES.map((r) => r.routeKey)).not.toContain('GET /widget.js');
    expect(Object.keys(stateless.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('Widget'))).toEqual([]);
  });

  it('keeps its files in a private, encrypted, TLS-only bucket that only the distribution reads (origin access control)', () => {
    const [bucketId, bucket] = Object.entries(stateless.findResources('AWS::S3::Bucket')).find(([id]) => id.startsWith('WidgetBucket'))!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    stateless.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    const policy = Object.values(stateless.findResources('AWS::S3::BucketPolicy')).find((p) => p.Properties.Bucket.Ref === bucketId)!;
    const text = JSON.stringify(policy.Properties.PolicyDocument);
    expect(text).toContain('cloudfront.amazonaws.com');
    expect(text).toContain('AWS:SourceArn');
    expect(text).toContain('aws:SecureTransport');
  });

  it('compresses at the edge, caches as each file says, redirects to HTTPS, and lets pages import the module (CORS)', () => {
    stateless.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        HttpVersion: 'http2and3',
        DefaultCacheBehavior: Match.objectLike({
          Compress: true,
          CachePolicyId: CACHING_OPTIMIZED,
          ViewerProtocolPolicy: 'redirect-to-https',
          AllowedMethods: ['GET', 'HEAD'],
        }),
      }),
    });
    stateless.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        CorsConfig: Match.objectLike({ AccessControlAllowOrigins: { Items: ['*'] }, AccessControlAllowMethods: { Items: ['GET', 'HEAD'] } }),
        SecurityHeadersConfig: { ContentTypeOptions: { Override: true } },
      }),
    });
  });

  it('uploads the hashed chunks (a year, never pruned) before the entry (five minutes), then invalidates only the entry', () => {
    const [chunksId, chunks] = upload('chunks/*');
    const [, entry] = upload('widget.js');
    expect(chunks.Properties).toMatchObject({ Exclude: ['*'], Prune: false, SystemMetadata: { 'cache-control': CACHE_CONTROL.chunk } });
    expect(chunks.Properties.DistributionPaths).toBeUndefined();
    expect(entry.Properties).toMatchObject({
      Exclude: ['*'],
      Prune: false,
      SystemMetadata: { 'cache-control': CACHE_CONTROL.entry, 'content-type': 'text/javascript; charset=utf-8' },
      DistributionPaths: ['/widget.js'],
    });
    expect(entry.DependsOn).toContain(chunksId);
  });

  it('outputs where snippets load it from', () => {
    stateless.hasOutput('WidgetUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WidgetDistribution'), 'DomainName'] }]] },
    });
  });
});

describe('custom domains', () => {
  it('serves the widget at its own name, with its us-east-1 certificate and TLS 1.2 at least', () => {
    const { stateless } = synthTemplates({ context: { widgetDomain: 'cdn.acme.com', widgetCertificateArn: CERT('us-east-1') } });
    stateless.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['cdn.acme.com'],
        ViewerCertificate: { AcmCertificateArn: CERT('us-east-1'), MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      }),
    });
    stateless.hasOutput('WidgetUrl', { Value: 'https://cdn.acme.com' });
  });

  it('serves the API at its own name (a regional domain mapped to the stage); email links use it', () => {
    const { stateless } = synthTemplates({ context: { apiDomain: 'api.acme.com', apiCertificateArn: CERT('eu-west-1') } });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'api.acme.com',
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERT('eu-west-1'), EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })],
    });
    stateless.hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', { Stage: Match.anyValue(), DomainName: Match.anyValue() });
    stateless.hasOutput('ApiUrl', { Value: 'https://api.acme.com' });
    stateless.hasOutput('ApiDomainTarget', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiDomain'), 'RegionalDomainName'] } });
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Environment: { Variables: Match.objectLike({ PUBLIC_API_URL: 'https://api.acme.com' }) },
    });
  });

  it.each([
    [{ widgetDomain: 'cdn.acme.com' }, /widgetCertificateArn/],
    [{ widgetCertificateArn: CERT('us-east-1') }, /widgetDomain/],
    [{ widgetDomain: 'cdn.acme.com', widgetCertificateArn: CERT('eu-west-1') }, /us-east-1/],
    [{ apiDomain: 'api.acme.com', apiCertificateArn: 'arn:aws:iam::123456789012:server-certificate/x' }, /ACM certificate/],
    [{ apiDomain: 'not a domain', apiCertificateArn: CERT('eu-west-1') }, /apiDomain/],
  ])('refuses %j with the setting named', (context, message) => {
    expect(() => synthTemplates({ context })).toThrow(InvalidSettingError);
    expect(() => synthTemplates({ context })).toThrow(message);
  });
});
