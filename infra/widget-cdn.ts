import { CfnOutput, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { CACHE_CONTROL, CHUNK_DIR, ENTRY_FILE } from '../widget/build.js';
import { acknowledge, nagResource } from './nag.js';
import { regionalName } from './names.js';

/** The construct id CDK gives the one function behind every BucketDeployment of a stack. */
const SINGLETON_UPLOADER = 'Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C';

/** A custom domain name and its ACM certificate (for CloudFront, one in us-east-1). */
export interface CustomDomain {
  readonly name: string;
  readonly certificateArn: string;
}

export interface WidgetCdnProps {
  /** The built widget (`npm run build:widget` writes `dist/widget/`): the entry and its hashed chunks. */
  readonly directory: string;
  /** Serve the widget at this name instead of the `*.cloudfront.net` one. */
  readonly domain?: CustomDomain;
  /** An AWS WAF web ACL (CloudFront scope) in front of the distribution. */
  readonly webAclArn?: string;
  /** How long the upload function's logs are kept (the functions' retention). */
  readonly logRetention: logs.RetentionDays;
}

/**
 * The widget on S3 behind CloudFront: a private bucket read only by this distribution (origin access
 * control), compressed at the edge (brotli or gzip, as the browser accepts), cached as its files say
 * (widget/build.ts `CACHE_CONTROL`: the entry five minutes, the content-hashed chunks a year).
 *
 * A release uploads the new chunks first, then the entry that names them, then invalidates the entry at
 * the edge: a page that still holds the old entry (five minutes, or a day while it revalidates) finds the
 * old chunks, which are never deleted (a few KB a release; a lifecycle rule would expire chunks still in use,
 * since an unchanged chunk is not uploaded again).
 */
export class WidgetCdn extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** Where the snippet loads `widget.js` from. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WidgetCdnProps) {
    super(scope, id);
    // Built from the repository on every deploy: nothing here needs keeping.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'Only CloudFront reads this bucket and only deploys write it; CloudFront metrics count the requests, and access logs would hold visitors\u2019 IP addresses for no use.',
    );
    // Module scripts (the entry imports the widget module) are fetched with CORS: every page may read them.
    // Policy and origin access control names are unique per account: the region in them lets one stage run
    // in two regions of an account.
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      responseHeadersPolicyName: regionalName(this, 'Headers', 128),
      comment: 'Funnel widget: readable by any page, never sniffed',
      corsBehavior: {
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD'],
        accessControlAllowHeaders: ['*'],
        accessControlAllowCredentials: false,
        originOverride: true,
      },
      securityHeadersBehavior: { contentTypeOptions: { override: true } },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Funnel widget (${Stack.of(this).stackName})`,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket, {
          originAccessControl: new cloudfront.S3OriginAccessControl(this, 'Oac', { originAccessControlName: regionalName(this, 'Oac', 64) }),
        }),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // Honours each object's Cache-Control; brotli and gzip.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        responseHeadersPolicy: headers,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(props.domain && {
        domainNames: [props.domain.name],
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
      }),
      ...(props.webAclArn && { webAclId: props.webAclArn }),
    });
    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'A blog is read from every country: the widget is served everywhere the page is.');
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'Standard logs would hold every visitor\u2019s IP address; CloudFront\u2019s CloudWatch metrics count requests and errors.',
    );
    if (!props.webAclArn) acknowledge(this.distribution, 'AwsSolutions-CFR2', 'AWS WAF is optional (-c waf=true, about $6 a month): docs/deploy.md.');
    if (!props.domain)
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        'Without a custom domain the distribution uses the *.cloudfront.net certificate, whose TLS floor CloudFront sets; with one (-c widgetDomain) it is TLS 1.2.',
      );

    // Chunks first (never pruned: pages may hold an entry that names old ones), then the entry, whose edge
    // copy is invalidated so the release is seen within the browsers' five minutes.
    const source = s3deploy.Source.asset(props.directory);
    const logGroup = new logs.LogGroup(this, 'UploadLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const upload = (id: string, include: string, cache: keyof typeof CACHE_CONTROL, invalidate: boolean) =>
      new s3deploy.BucketDeployment(this, id, {
        sources: [source],
        destinationBucket: this.bucket,
        exclude: ['*'],
        include: [include],
        prune: false,
        contentType: 'text/javascript; charset=utf-8',
        cacheControl: [s3deploy.CacheControl.fromString(CACHE_CONTROL[cache])],
        logGroup,
        ...(invalidate && { distribution: this.distribution, distributionPaths: [`/${ENTRY_FILE}`] }),
      });
    const chunks = upload('Chunks', `${CHUNK_DIR}/*`, 'chunk', false);
    const entry = upload('Entry', ENTRY_FILE, 'entry', true);
    entry.node.addDependency(chunks);
    acknowledgeUploader(this.bucket, 'this widget bucket');

    this.url = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'Url', { key: 'WidgetUrl', value: this.url, description: 'Where snippets load the widget: <script src="WidgetUrl/widget.js" ...>' });
    new CfnOutput(this, 'DistributionDomain', {
      key: 'WidgetDistributionDomain',
      value: this.distribution.distributionDomainName,
      description: 'With -c widgetDomain: the CNAME (or alias) target of that name',
    });
  }
}

/**
 * CDK's upload function (one per stack, shared by every BucketDeployment of it: the widget's, the
 * console's): it runs only during a deploy. Its findings, for one more bucket it writes.
 */
export function acknowledgeUploader(bucket: s3.Bucket, which: string): void {
  const stack = Stack.of(bucket);
  const uploader = stack.node.tryFindChild(SINGLETON_UPLOADER);
  if (!uploader) return;
  const why = 'CDK\u2019s BucketDeployment function, which runs only during a deploy: ';
  acknowledge(
    uploader,
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    `${why}its role has the basic execution policy CDK gives it.`,
  );
  const bucketId = stack.getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  for (const finding of [
    'Action::s3:Abort*',
    'Action::s3:DeleteObject*',
    'Action::s3:GetBucket*',
    'Action::s3:GetObject*',
    'Action::s3:List*',
    'Resource::*',
    `Resource::<${bucketId}.Arn>/*`,
    nagResource(stack, 'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*'),
  ])
    acknowledge(
      uploader,
      `AwsSolutions-IAM5[${finding}]`,
      `${why}it reads the deploy\u2019s asset from the CDK bucket, syncs it into ${which} (objects unknown in advance) and invalidates its entry at the edge (CloudFront takes no narrower resource).`,
    );
  acknowledge(uploader, 'AwsSolutions-L1', `${why}CDK pins its runtime to the Python version its AWS CLI layer needs.`);
}
