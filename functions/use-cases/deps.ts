import type { ConfigIndex } from '../core/config.js';
import type {
  ApiKeyStore,
  Clock,
  DueChecks,
  IdGenerator,
  LeadRepository,
  MailLinks,
  MailQueue,
  Mailer,
  NurtureStore,
  ProspectStore,
  RateLimiter,
  SendThrottle,
  VisitorTokens,
  WebhookQueue,
  WebhookSecrets,
  WebhookStore,
  WebhookTransport,
  Ceiling,
} from '../core/ports.js';

/** Everything the use cases need, built once by the composition root (or by a test). */
export interface Deps {
  config: ConfigIndex;
  leads: LeadRepository;
  apiKeys: ApiKeyStore;
  /** Submission limits, shared by every environment (the table): invalid submissions, bots. */
  rateLimiter: RateLimiter;
  /** A form's ceiling over all clients, counted alongside each submission (one request late). */
  formCeiling: Ceiling;
  /** Page views per lead, per environment: a looping page cannot flood a partition; no write per view. */
  eventRateLimiter: RateLimiter;
  clock: Clock;
  ids: IdGenerator;
  visitorTokens: VisitorTokens;
  due: DueChecks;
  /** Nurture: enrolments, send records, opt-ins, unsubscribes, suppression. */
  nurture: NurtureStore;
  mailer: Mailer;
  mailLinks: MailLinks;
  /** Carries mail jobs to the sender (SQS on AWS). */
  mailQueue: MailQueue;
  sendThrottle: SendThrottle;
  /** Sales hand-off: webhook deliveries and their log, endpoint state. */
  webhooks: WebhookStore;
  /** Carries webhook jobs to the webhook sender (SQS on AWS). */
  webhookQueue: WebhookQueue;
  webhookSecrets: WebhookSecrets;
  webhookTransport: WebhookTransport;
  /** The pull API's prospect index, claims, export and erasure. */
  prospects: ProspectStore;
}
