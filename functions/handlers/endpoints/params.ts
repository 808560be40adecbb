import * as z from '../../core/zod.js';
import { BUCKETS } from '../../core/presentation.js';

/** Path and query parameters several groups share. */
export const id = (description: string) =>
  z.string({ error: 'is required' }).check(z.minLength(1)).check(z.maxLength(200)).register(z.globalRegistry, { description: description });

/** A whole number from `min` to `max`, from a query string; one message for every way it can be wrong. */
const whole = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.pipe(z.coerce.number({ error }), z.int(error).check(z.gte(min, error), z.lte(max, error)));
};

export const LIMIT = whole(1, 100);
/** A browser's A/B bucket. */
export const BUCKET = whole(0, BUCKETS - 1);
