import type * as z from './zod.js';

/**
 * Validation problems as the API and the config report them: one message per path. No zod at run time
 * here (types only), so the HTTP edge can name problems without carrying a schema library.
 */

/** `sites[0].forms[1].leadMagnet.url` — the way a user finds the line in their config file. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');

/**
 * A path in the config, each list item named by its `id` where it has one: `sites[id=blog].forms[id=ebook].leadMagnet.url`.
 * A position means nothing to a user (the demo site comes first locally and is absent in a deployment, so
 * the same site is `sites[1]` at `npm start` and `sites[0]` at synth); an id is what they wrote.
 */
export function formatConfigPath(path: readonly PropertyKey[], root: unknown): string {
  let at: unknown = root;
  return path.reduce<string>((acc, key) => {
    const list = at;
    const item = (at as Record<PropertyKey, unknown> | undefined)?.[key];
    at = item;
    if (typeof key !== 'number') return acc ? `${acc}.${String(key)}` : String(key);
    const idOf = (x: unknown) => (x as { id?: unknown } | undefined)?.id;
    const id = idOf(item);
    // An id two items share names neither: their position does.
    const unique = typeof id === 'string' && id && Array.isArray(list) && list.filter((x) => idOf(x) === id).length === 1;
    return unique ? `${acc}[id=${id}]` : `${acc}[${key}]`;
  }, '');
}

/**
 * Turn zod issues into `{ "fields.email": "must be a valid email address" }`. Collected in a Map: a key
 * such as `__proto__` (JSON.parse makes it an own property) is named like any other, not swallowed by an
 * object's prototype setter.
 */
export function fieldErrors(error: { readonly issues: readonly z.core.$ZodIssue[] }): Record<string, string> {
  const out = new Map<string, string>();
  const add = (path: string, message: string) => out.has(path) || out.set(path, message);
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(formatPath([...issue.path, key]), issue.path.length ? 'is not a field of this form' : 'is not a known property');
    } else {
      add(formatPath(issue.path) || 'body', issue.message);
    }
  }
  return Object.fromEntries(out);
}
