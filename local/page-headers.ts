import { createHash } from 'node:crypto';

/**
 * The headers every page and file the local funnel serves besides the API carries (the demo blog, its
 * files, the webhook inspector, the mail viewer): the API's `nosniff`, no framing by another site, no
 * referrer leaving with lead data in a URL. Each surface adds its Content-Security-Policy.
 */
export const LOCAL_PAGE_HEADERS = {
  // Replaced by a page's own policy; for anything else (JSON, a 404), nothing may load or frame it.
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const;

/**
 * The demo pages' policy, as a blog that embeds the widget would set it: scripts and calls only from the
 * page's own origin and the funnel's (the widget and the API: another origin when the page is opened under
 * another name), their inline `<style>` blocks by hash, no inline script, nothing framed, no base.
 */
export function demoPageCsp(html: string, apiUrl: string): string {
  const api = new URL(apiUrl).origin;
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  return [
    "default-src 'none'",
    `script-src 'self' ${api}`,
    `connect-src 'self' ${api}`,
    "img-src 'self' data:",
    `style-src 'self' ${styles.join(' ')}`.trim(),
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A demo file that is not a page (the lead magnet's PDF): it may not be framed, and sets no base. */
export const DEMO_FILE_CSP = "frame-ancestors 'none'; base-uri 'none'";

/**
 * The mail viewer (aws-ses-v2-local's page, not ours): its own script and handlers are inline and it
 * writes each email into a frame of its own origin, which inherits this policy; an email's images and
 * links (the funnel's tracking and unsubscribe URLs) still load. No framing of the viewer, no plugins.
 */
export const MAIL_VIEWER_CSP =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src * data:; frame-src *; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
