import { z } from 'zod';

/** Path and query parameters several groups share. */
export const id = (description: string) => z.string({ error: 'is required' }).min(1).max(200).describe(description);

export const LIMIT = z.coerce
  .number({ error: 'must be a whole number from 1 to 100' })
  .int('must be a whole number from 1 to 100')
  .min(1, 'must be a whole number from 1 to 100')
  .max(100, 'must be a whole number from 1 to 100');
