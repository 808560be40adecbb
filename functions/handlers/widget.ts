import middy from '@middy/core';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { lazy } from '../core/lazy.js';
import { header, type HttpEvent, type HttpResult } from './http.js';

/** The file the CDK bundling step copies next to this handler (see infra/stateless-stack.ts). */
export const WIDGET_FILE = 'widget.js';

/**
 * `GET /widget.js`: the script every snippet loads. Browsers keep it five minutes and then revalidate
 * with its ETag (a 304 costs no body), so a new deploy reaches every blog within minutes.
 */
export const makeWidgetHandler = (load: () => string) => {
  const asset = lazy(() => {
    const code = load();
    return { code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 22)}"` };
  });
  return middy<HttpEvent, HttpResult>().handler(async (event) => {
    const { code, etag } = asset();
    const headers = {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'public, max-age=300, stale-while-revalidate=86400',
      etag,
      'access-control-allow-origin': '*',
      'x-content-type-options': 'nosniff',
    };
    if (header(event, 'if-none-match') === etag) return { statusCode: 304, headers, body: '' };
    return { statusCode: 200, headers, body: code };
  });
};

export const handler = makeWidgetHandler(() => readFileSync(new URL(`./${WIDGET_FILE}`, import.meta.url), 'utf8'));
