/** The largest request body the API reads (API Gateway allows 10 MB; a form needs a few KB). */
export const MAX_BODY_BYTES = 16 * 1024;
