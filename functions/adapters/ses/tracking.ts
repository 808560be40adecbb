/**
 * Open and click tracking, decided per site (`email.tracking`). SES tracks opens and clicks of an email
 * when its configuration set publishes those event types (clicks: every link rewritten through SES's
 * tracking domain; opens: a pixel), so each combination a deployed site uses is a configuration set of
 * its own, publishing only the event types the code consumes: deliveries (counted for the console's
 * email numbers), bounces and complaints always, opens and clicks where the site asked. Each event costs an SNS publish, an SQS message and a Lambda invocation.
 */
export type TrackingVariant = 'none' | 'opens' | 'clicks' | 'opens-clicks';

export interface Tracking {
  readonly opens: boolean;
  readonly clicks: boolean;
}

export const trackingVariant = (t: Tracking | undefined): TrackingVariant =>
  t?.opens && t.clicks ? 'opens-clicks' : t?.opens ? 'opens' : t?.clicks ? 'clicks' : 'none';

/** The SES event types a variant's configuration set publishes (SES's names, as in `ses.EmailSendingEvent`). */
export const eventTypesOf = (variant: TrackingVariant): ('delivery' | 'bounce' | 'complaint' | 'open' | 'click')[] => [
  'delivery',
  'bounce',
  'complaint',
  ...(variant === 'opens' || variant === 'opens-clicks' ? (['open'] as const) : []),
  ...(variant === 'clicks' || variant === 'opens-clicks' ? (['click'] as const) : []),
];
