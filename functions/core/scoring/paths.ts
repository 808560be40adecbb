/** Page paths, as the tracker sends them and engagement rules match them. Kept apart from `score.ts` so the capture bundle does not pull in the email-domain lists. */

/**
 * The path of a page view, normalised: a full URL becomes its path; query, fragment and trailing slashes go.
 * @example pagePath('https://blog.example.com/pricing/?plan=pro#faq') // '/pricing'
 */
export function pagePath(raw: string): string | undefined {
  let p = raw.trim();
  if (/^https?:\/\//i.test(p)) {
    try {
      p = new URL(p).pathname;
    } catch {
      return undefined;
    }
  }
  p = p.replace(/[?#].*$/, '');
  if (!p.startsWith('/')) return undefined;
  return p.length > 1 ? p.replace(/\/+$/, '') || '/' : p;
}
