/**
 * AWS's public on-demand prices for us-east-1 (N. Virginia), in US dollars, as published on the
 * services' pricing pages on the date below. Free tiers are left out (they end after 12 months for new
 * accounts, or are shared with everything else in the account), so an estimate is what a busy account pays.
 * Check the pages before relying on a figure: prices change, and other regions cost more.
 */
export const PRICES = {
  region: 'us-east-1',
  asOf: '2026-12-03',
  lambda: {
    source: 'https://aws.amazon.com/lambda/pricing/',
    perMillionRequests: 0.2,
    /** Arm (Graviton), first 7.5 billion GB-seconds a month. */
    perGbSecondArm: 0.0000133334,
  },
  apiGateway: { source: 'https://aws.amazon.com/api-gateway/pricing/', perMillionHttpRequests: 1.0 },
  dynamodb: {
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    perMillionWriteUnits: 0.625,
    perMillionReadUnits: 0.125,
    perGbMonthStorage: 0.25,
    /** Point-in-time recovery (continuous backups), per GB-month of table size. */
    perGbMonthPitr: 0.2,
    /** Stream reads by Lambda are free (AWS: "GetRecords API calls invoked by AWS Lambda … are free"). */
    perMillionStreamReadsByLambda: 0,
  },
  ses: { source: 'https://aws.amazon.com/ses/pricing/', perThousandEmails: 0.1 },
  sqs: { source: 'https://aws.amazon.com/sqs/pricing/', perMillionRequests: 0.4 },
  sns: { source: 'https://aws.amazon.com/sns/pricing/', perMillionPublishes: 0.5, perMillionSqsDeliveries: 0 },
  s3: { source: 'https://aws.amazon.com/s3/pricing/', perGbMonth: 0.023, perThousandGets: 0.0004 },
  cloudFront: {
    source: 'https://aws.amazon.com/cloudfront/pricing/',
    /** Data out to the internet, North America and Europe, first 10 TB. */
    perGbOut: 0.085,
    perTenThousandHttpsRequests: 0.01,
  },
  cloudWatch: {
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
    perGbLogsIngested: 0.5,
    perGbMonthLogsStored: 0.03,
    /** Custom metrics (the embedded-metric business counts), first 10,000. */
    perMetricMonth: 0.3,
    /** Standard-resolution alarm, per metric it evaluates (a metric-math alarm counts each metric). */
    perAlarmMetricMonth: 0.1,
    perDashboardMonth: 3.0,
  },
  xRay: { source: 'https://aws.amazon.com/xray/pricing/', perMillionTracesRecorded: 5.0 },
  secretsManager: { source: 'https://aws.amazon.com/secrets-manager/pricing/', perSecretMonth: 0.4, perTenThousandCalls: 0.05 },
  waf: { source: 'https://aws.amazon.com/waf/pricing/', perWebAclMonth: 5.0, perRuleMonth: 1.0, perMillionRequests: 0.6 },
} as const;
