import { CfnOutput, Duration, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { CONSOLE_PATH, consoleCsp } from '../console/build.js';
import { EDGE_HEADER } from '../functions/handlers/edge.js';
import { acknowledge } from './nag.js';
import { acknowledgeUploader } from './widget-cdn.js';
import { regionalName } from './names.js';

export interface ConsoleSiteProps {
  /** The built console (`npm run build:console` writes `dist/console/`). */
  readonly directory: string;
  /** The HTTP API the console calls, through this distribution (same origin: no CORS, the API's address in no page). */
  readonly api: apigw.IHttpApi;
  /** With the firewall: the edge secret the functions require, and the web ACL. */
  readonly edge?: { readonly secret: secretsmanager.ISecret; readonly secretVersion?: string; readonly webAclArn: string };
  /** Who signs in: Cognito's pool (its app client is made here, knowing the console's address) or an external issuer. */
  readonly signIn:
    | { readonly userPool: cognito.IUserPool; readonly domain: cognito.UserPoolDomain }
    | { readonly issuer: string; readonly clientId: string; readonly scope?: string };
  readonly logGroup: logs.ILogGroup;
}

/**
 * The console on S3 behind its own CloudFront distribution: the page and its hashed assets at `/console/`
 * (any other path under it answers the page, which routes in the browser), and the API at `/v1/*` on the
 * same name, so the page calls its own origin only. Strict Content-Security-Policy, HSTS, no framing.
 * With Cognito, the console's app client (code + PKCE, no secret) is made here, with this address as its
 * only callback.
 */
export class ConsoleSite extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly url: string;
  /** The OpenID issuer and the audience (client id) the API's authorizer checks. */
  readonly issuer: string;
  readonly audience: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(bucket, 'AwsSolutions-S1', 'Only CloudFront reads this bucket and only deploys write it: built from the repository on every deploy.');
    // Where the page may call besides its own origin: the provider's discovery and token endpoint.
    const providerOrigins =
      'issuer' in props.signIn
        ? providerOriginsOf(props.signIn.issuer)
        : [`https://cognito-idp.${stack.region}.${stack.urlSuffix}`, props.signIn.domain.baseUrl()];
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      responseHeadersPolicyName: regionalName(this, 'Headers', 128),
      comment: 'Funnel console: strict CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        // The issuer's origin for discovery and the token endpoint (Cognito's: its managed login domain too).
        contentSecurityPolicy: { contentSecurityPolicy: consoleCsp(...providerOrigins), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: false, override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    // Any path under /console/ that is not a file is the page (the console routes in the browser).
    const spa = new cloudfront.Function(this, 'Routes', {
      functionName: regionalName(this, 'Routes', 64),
      comment: 'Funnel console: paths under /console/ that are not files are the page',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(`function handler(event) {
  var r = event.request;
  if (r.uri === '/' || r.uri === '${CONSOLE_PATH}') return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '${CONSOLE_PATH}/' } } };
  if (r.uri.indexOf('${CONSOLE_PATH}/assets/') !== 0 && r.uri !== '${CONSOLE_PATH}/config.json') r.uri = '${CONSOLE_PATH}/index.html';
  return r;
}`),
    });
    // The API, as its own distribution would forward it: the Authorization header (so in the cache key, never cached).
    const apiCache = new cloudfront.CachePolicy(this, 'ApiCache', {
      cachePolicyName: regionalName(this, 'ApiCache', 128),
      comment: 'Funnel console API: never cached, the token forwarded',
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList('Authorization'),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.seconds(1),
    });
    const apiForward = new cloudfront.OriginRequestPolicy(this, 'ApiForward', {
      originRequestPolicyName: regionalName(this, 'ApiForward', 128),
      comment: 'Funnel console API: the headers the functions read',
      headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList('Accept', 'Content-Type', 'User-Agent', 'CloudFront-Viewer-Address'),
      queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
      cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Funnel console (${stack.stackName})`,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket, {
          originAccessControl: new cloudfront.S3OriginAccessControl(this, 'Oac', { originAccessControlName: regionalName(this, 'Oac', 64) }),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: spa, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
            ...(props.edge && {
              customHeaders: {
                [EDGE_HEADER]: SecretValue.secretsManager(
                  props.edge.secret.secretArn,
                  props.edge.secretVersion ? { versionId: props.edge.secretVersion } : {},
                ).unsafeUnwrap(),
              },
            }),
          }),
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          cachePolicy: apiCache,
          originRequestPolicy: apiForward,
          compress: true,
        },
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(props.edge && { webAclId: props.edge.webAclArn }),
    });
    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'The team signs in from wherever it works; sign-in is what guards the console.');
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'Standard logs would hold the team’s IP addresses; every change is in the audit log, and CloudFront’s metrics count requests.',
    );
    acknowledge(this.distribution, 'AwsSolutions-CFR4', 'The *.cloudfront.net certificate, whose TLS floor CloudFront sets.');
    if (!props.edge) acknowledge(this.distribution, 'AwsSolutions-CFR2', 'AWS WAF is optional (-c waf=true, about $6 a month): docs/deploy.md.');
    this.url = `https://${this.distribution.distributionDomainName}`;

    let settings: Record<string, string>;
    if ('issuer' in props.signIn) {
      this.issuer = props.signIn.issuer;
      this.audience = props.signIn.clientId;
      settings = { issuer: props.signIn.issuer, clientId: props.signIn.clientId, scope: props.signIn.scope ?? 'openid email profile' };
    } else {
      // In this stack, beside the address it names (the pool's own `addClient` would put it in the pool's stack).
      const client = new cognito.UserPoolClient(this, 'ConsoleClient', {
        userPool: props.signIn.userPool,
        userPoolClientName: 'funnel-console',
        generateSecret: false,
        authFlows: {},
        preventUserExistenceErrors: true,
        oAuth: {
          flows: { authorizationCodeGrant: true },
          scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
          callbackUrls: [`${this.url}${CONSOLE_PATH}/callback`],
          logoutUrls: [`${this.url}${CONSOLE_PATH}/`],
        },
        accessTokenValidity: Duration.hours(1),
        idTokenValidity: Duration.hours(1),
        refreshTokenValidity: Duration.days(1),
      });
      // Managed login's pages for this client, in Cognito's own style.
      new cognito.CfnManagedLoginBranding(this, 'Branding', {
        userPoolId: props.signIn.userPool.userPoolId,
        clientId: client.userPoolClientId,
        useCognitoProvidedValues: true,
      });
      this.issuer = `https://cognito-idp.${stack.region}.${stack.urlSuffix}/${props.signIn.userPool.userPoolId}`;
      this.audience = client.userPoolClientId;
      // Cognito publishes no end_session_endpoint: its own /logout ends the managed login's session.
      settings = {
        issuer: this.issuer,
        clientId: client.userPoolClientId,
        scope: 'openid email profile',
        logoutUrl: `${props.signIn.domain.baseUrl()}/logout?client_id=${client.userPoolClientId}&logout_uri=${this.url}${CONSOLE_PATH}/`,
      };
    }
    // The hashed assets first (cached a year, never pruned: an open page may still load an older chunk),
    // then the page and its settings (revalidated each time, and invalidated at the edge).
    const source = s3deploy.Source.asset(props.directory);
    const common = { destinationBucket: bucket, destinationKeyPrefix: `${CONSOLE_PATH.slice(1)}/`, prune: false, logGroup: props.logGroup };
    const assets = new s3deploy.BucketDeployment(this, 'Assets', {
      ...common,
      sources: [source],
      exclude: ['*'],
      include: ['assets/*'],
      cacheControl: [s3deploy.CacheControl.fromString('public, max-age=31536000, immutable')],
    });
    const page = new s3deploy.BucketDeployment(this, 'Page', {
      ...common,
      sources: [source, s3deploy.Source.jsonData('config.json', settings)],
      exclude: ['assets/*'],
      cacheControl: [s3deploy.CacheControl.fromString('no-cache')],
      distribution: this.distribution,
      distributionPaths: [`${CONSOLE_PATH}/index.html`, `${CONSOLE_PATH}/config.json`],
    });
    page.node.addDependency(assets);
    acknowledgeUploader(bucket, 'the console bucket');
    new CfnOutput(this, 'Url', { key: 'ConsoleUrl', value: `${this.url}${CONSOLE_PATH}/`, description: 'The console: sign in here' });
  }
}

/**
 * The origins an external provider's discovery and token endpoint live at: the issuer's, and Google's
 * token endpoint, which is on another host than its issuer (oauth2.googleapis.com).
 * @example providerOriginsOf('https://login.microsoftonline.com/<tenant>/v2.0') // ['https://login.microsoftonline.com']
 */
export function providerOriginsOf(issuer: string): string[] {
  const origin = new URL(issuer).origin;
  return origin === 'https://accounts.google.com' ? [origin, 'https://oauth2.googleapis.com'] : [origin];
}
