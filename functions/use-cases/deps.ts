import type { ConfigIndex } from '../core/config.js';
import type {
  ApiKeyStore,
  AuditLog,
  ExportFiles,
  ExportJobs,
  ExportQueue,
  PeopleDirectory,
  LeadIndex,
  Clock,
  DueChecks,
  IdGenerator,
  LeadRepository,
  MailLinks,
  MailQueue,
  Mailer,
  NurtureStore,
  MailAccount,
  EmailStats,
  ProspectStore,
  RateLimiter,
  SendThrottle,
  VisitorTokens,
  ImpressionProofs,
  WebhookQueue,
  WebhookSecrets,
  WebhookStore,
  WebhookTransport,
  DestinationSender,
  Ceiling,
  FormStats,
  Metrics,
  PeopleTokens,
} from '../core/ports.js';

/** Capture and scoring: forms and config, leads, limits, visitor tokens, due checks, API keys. */
export interface CaptureDeps {
  config: ConfigIndex;
  clock: Clock;
  ids: IdGenerator;
  leads: LeadRepository;
  apiKeys: ApiKeyStore;
  /** Submission limits, shared by every environment (the table): invalid submissions, bots. */
  rateLimiter: RateLimiter;
  /** A form's ceiling over all clients, counted alongside each submission (one request late). */
  formCeiling: Ceiling;
  /** Page views per lead, per environment: a looping page cannot flood a partition; no write per view. */
  eventRateLimiter: RateLimiter;
  visitorTokens: VisitorTokens;
  /** Proofs handed out with a form's definition, required of its impressions. */
  impressionProofs: ImpressionProofs;
  due: DueChecks;
  /** Each form's counters: impressions, submissions, leads, MQLs and SQLs by day and dimension. */
  stats: FormStats;
  metrics: Metrics;
}

/** Nurture: enrolments, send records, opt-ins, unsubscribes, suppression; the mailer and its queue. */
export interface NurtureDeps {
  nurture: NurtureStore;
  mailer: Mailer;
  mailLinks: MailLinks;
  /** Carries mail jobs to the sender (SQS on AWS). */
  mailQueue: MailQueue;
  sendThrottle: SendThrottle;
  /** The mailbox and domain caps' counters, shared by every environment and site (the table). */
  mailCaps: RateLimiter;
  /** Each email's and sequence's counters: sent, delivered, opened … per day. */
  emailStats: EmailStats;
  /** The mail service's account: sandbox, quota, sender identities, the suppression list. */
  mailAccount: MailAccount;
  metrics: Metrics;
}

/** Sales hand-off: webhook deliveries and their log, endpoint state; the pull API's prospect index. */
export interface HandoffDeps {
  webhooks: WebhookStore;
  /** Carries webhook jobs to the webhook sender (SQS on AWS). */
  webhookQueue: WebhookQueue;
  webhookSecrets: WebhookSecrets;
  webhookTransport: WebhookTransport;
  /** HubSpot, Salesforce, Pipedrive and Slack, through their APIs. */
  destinations: DestinationSender;
  /** The pull API's prospect index, claims, export and erasure. */
  prospects: ProspectStore;
  metrics: Metrics;
}

/** The console: who a person's token stands for, the lead lists' index, the audit log, background exports. */
export interface ConsoleDeps {
  people: PeopleTokens;
  leadIndex: LeadIndex;
  audit: AuditLog;
  exports: ExportJobs;
  /** Carries export jobs to the export function (SQS on AWS). */
  exportQueue: ExportQueue;
  /** Export files (S3 on AWS) and their download links. */
  exportFiles: ExportFiles;
  /** Who may sign in (Cognito's pool, the local provider's users); none with an operator's own provider. */
  directory?: PeopleDirectory;
}

/** Everything the use cases need, built once by the composition root (or by a test). */
export interface Deps extends CaptureDeps, NurtureDeps, HandoffDeps, ConsoleDeps {}
