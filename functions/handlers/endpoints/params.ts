import * as z from '../../core/zod.js';

/** Path and query parameters several groups share. */
export const id = (description: string) =>
  z.string({ error: 'is required' }).check(z.minLength(1)).check(z.maxLength(200)).register(z.globalRegistry, { description: description });

const WHOLE_1_TO_100 = 'must be a whole number from 1 to 100';
export const LIMIT = z.pipe(z.coerce.number({ error: WHOLE_1_TO_100 }), z.int(WHOLE_1_TO_100).check(z.gte(1, WHOLE_1_TO_100), z.lte(100, WHOLE_1_TO_100)));

const WHOLE_0_TO_99 = 'must be a whole number from 0 to 99';
/** A browser's A/B bucket. */
export const BUCKET = z.pipe(z.coerce.number({ error: WHOLE_0_TO_99 }), z.int(WHOLE_0_TO_99).check(z.gte(0, WHOLE_0_TO_99), z.lte(99, WHOLE_0_TO_99)));
