import type * as z from './zod.js';

/**
 * Validation problems as the API and the config report them: one message per path. No zod at run time
 * here (types only), so the HTTP edge can name problems without carrying a schema library.
 */

/** `sites[0].forms[1].leadMagnet.url` — the way a user finds the line in their config file. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');

/** Turn zod issues into `{ "fields.email": "must be a valid email address" }`. */
export function fieldErrors(error: { readonly issues: readonly z.core.$ZodIssue[] }): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out[formatPath([...issue.path, key])] ??= issue.path.length ? 'is not a field of this form' : 'is not a known property';
    } else {
      out[formatPath(issue.path) || 'body'] ??= issue.message;
    }
  }
  return out;
}
