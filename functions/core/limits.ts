/** The largest request body the API reads (API Gateway allows 10 MB; a form needs a few KB). */
export const MAX_BODY_BYTES = 16 * 1024;

/** The rate-limit scope of the console's test emails: `emailtest#<person>`, counted per hour. */
export const TEST_EMAIL_RATE_SCOPE = 'emailtest';
