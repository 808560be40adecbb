import { CfnOutput, Duration, SecretValue, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { regionalName } from './names.js';
import { ENDPOINTS } from '../functions/handlers/endpoints/index.js';
import type { Endpoint } from '../functions/handlers/endpoints/types.js';
import { EDGE_HEADER } from '../functions/handlers/edge.js';
import { acknowledge } from './nag.js';
import type { CustomDomain } from './widget-cdn.js';

/** Requests one address may make in 5 minutes before AWS WAF blocks it (`-c wafRateLimit`). */
export const DEFAULT_WAF_RATE_LIMIT = 2000;

/** The answer AWS WAF gives a blocked address: JSON, as every other refusal of the API. */
export const WAF_BLOCK_BODY = JSON.stringify({ error: { code: 'rate_limited', message: 'Too many requests from this address: try again in a few minutes' } });

export interface FirewallStackProps extends StackProps {
  /** Requests per address per 5 minutes. */
  readonly rateLimit: number;
}

/**
 * The path prefixes of the API-key routes (`/v1/leads`, `/v1/prospects`, `/v1/webhooks`), from the
 * endpoint table: the only requests the rate rule does not count. By path, not by an `Authorization`
 * header, which any script can add to a public route to go uncounted.
 */
const prefixOf = (e: Endpoint) => e.path.split('/').slice(0, 3).join('/');
const PUBLIC_PREFIXES = new Set((Object.values(ENDPOINTS) as Endpoint[]).filter((e) => e.auth !== 'apiKey').map(prefixOf));
// A prefix public routes share (`/v1/forms`, whose stats need a key) stays counted: exempting it would exempt them.
export const API_KEY_PREFIXES = [...new Set((Object.values(ENDPOINTS) as Endpoint[]).filter((e) => e.auth === 'apiKey').map(prefixOf))]
  .filter((p) => !PUBLIC_PREFIXES.has(p))
  .sort();

/**
 * The AWS WAF web ACL in front of both CloudFront distributions (the widget, the API). A CloudFront web
 * ACL must live in us-east-1, whatever region the funnel is in: hence its own stack there.
 *
 * One rule: a rate limit per client address over 5 minutes, on every request but the sales API's (its
 * callers are authenticated, a sync may page fast, and its routes have their own throttle). The
 * default, 2,000 per 5 minutes (about 7 a second, sustained), lets a whole office behind one address read
 * the blog (each page view costs one or two requests) and stops a script. Blocked requests get 429 with a
 * JSON error. About $6 a month plus $0.60 per million requests (docs/cost.md).
 */
export class FirewallStack extends Stack {
  readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: FirewallStackProps) {
    super(scope, id, props);
    const visibility = (metricName: string) => ({ cloudWatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
    const acl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Funnel: a rate limit per address on the public widget and API',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('FunnelWebAcl'),
      customResponseBodies: { rateLimited: { contentType: 'APPLICATION_JSON', content: WAF_BLOCK_BODY } },
      rules: [
        {
          name: 'RatePerAddress',
          priority: 0,
          action: { block: { customResponse: { responseCode: 429, customResponseBodyKey: 'rateLimited' } } },
          visibilityConfig: visibility('FunnelRatePerAddress'),
          statement: {
            rateBasedStatement: {
              limit: props.rateLimit,
              evaluationWindowSec: 300,
              aggregateKeyType: 'IP',
              // Every request but the API-key routes': the public routes and the widget.
              scopeDownStatement: {
                notStatement: {
                  statement: {
                    orStatement: {
                      statements: API_KEY_PREFIXES.map((prefix) => ({
                        byteMatchStatement: {
                          fieldToMatch: { uriPath: {} },
                          positionalConstraint: 'STARTS_WITH',
                          searchString: prefix,
                          textTransformations: [{ priority: 0, type: 'NONE' }],
                        },
                      })),
                    },
                  },
                },
              },
            },
          },
        },
      ],
    });
    this.webAclArn = acl.attrArn;
  }
}

export interface ApiEdgeProps {
  readonly api: apigw.IHttpApi;
  readonly webAclArn: string;
  /** The API's own name on this distribution (its certificate in us-east-1). */
  readonly domain?: CustomDomain;
  /**
   * The edge secret's version CloudFront sends (`-c edgeSecretVersion=<VersionId>`). CloudFormation
   * resolves a secret only in a resource it updates: naming the new version after a rotation is what
   * updates the distribution. None: the version current at the distribution's last update.
   */
  readonly secretVersion?: string;
}

/**
 * The API behind CloudFront, so the web ACL stands in front of it (an HTTP API takes no web ACL itself).
 * CloudFront adds a secret header that the functions require (functions/handlers/edge.ts): a request to
 * API Gateway's own address, around the firewall, is refused. The cache key holds what an answer depends
 * on (the path and query, the page's Origin for CORS, the caller's key), so only what the API marks
 * shared (a form definition, `s-maxage=60`) is cached, and only for the same origin.
 */
export class ApiEdge extends Construct {
  readonly distribution: cloudfront.Distribution;
  /** The value the functions check (given to them as `EDGE_SECRET`). */
  readonly secret: secretsmanager.Secret;
  readonly url: string;

  constructor(scope: Construct, id: string, props: ApiEdgeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: `Funnel (${stack.stackName}): the header CloudFront adds to the API's requests`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledge(
      this.secret,
      'AwsSolutions-SMG4',
      'Not a credential to any data: it proves a request came through the firewall. Rotated by hand with -c edgeSecretVersion (docs/deploy.md): the functions accept its current and previous values meanwhile.',
    );
    const cachePolicy = new cloudfront.CachePolicy(this, 'Cache', {
      comment: 'Funnel API: only answers marked shared, per origin and key',
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization', 'Origin'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(1),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // What the functions read, and the visitor's address (Host stays API Gateway's own).
    const originRequestPolicy = new cloudfront.OriginRequestPolicy(this, 'Forward', {
      // Unique per account: the region in it lets one stage run in two regions of an account.
      originRequestPolicyName: regionalName(this, 'Forward', 128),
      comment: 'Funnel API: the headers the functions read, and the visitor address',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Accept', 'Content-Type', 'User-Agent', 'CloudFront-Viewer-Address'),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Funnel API (${stack.stackName})`,
      defaultBehavior: {
        origin: new HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
          customHeaders: {
            [EDGE_HEADER]: SecretValue.secretsManager(this.secret.secretArn, props.secretVersion ? { versionId: props.secretVersion } : {}).unsafeUnwrap(),
          },
        }),
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        cachePolicy,
        originRequestPolicy,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      webAclId: props.webAclArn,
      // An error API Gateway answers itself (a timeout's 503) carries no Cache-Control: not kept at the edge
      // (CloudFront would keep it 10 s), so the next reader asks again.
      errorResponses: [500, 502, 503, 504].map((httpStatus) => ({ httpStatus, ttl: Duration.seconds(0) })),
      ...(props.domain && {
        domainNames: [props.domain.name],
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
      }),
    });
    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'Forms are submitted from every country a blog is read in.');
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'Standard logs would hold every visitor\u2019s IP address; the API\u2019s own access log (no PII but the address) and CloudFront\u2019s metrics cover requests and errors.',
    );
    if (!props.domain)
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain the distribution uses the *.cloudfront.net certificate, whose TLS floor CloudFront sets; with one (-c apiDomain) it is TLS 1.2.',
      );
    this.url = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'DistributionDomain', {
      key: 'ApiDistributionDomain',
      value: this.distribution.distributionDomainName,
      description: 'With -c apiDomain: the CNAME (or alias) target of that name',
    });
  }
}
