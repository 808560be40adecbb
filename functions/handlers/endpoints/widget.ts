import type { Endpoint } from './types.js';

/** Route group "widget": the embeddable script. */
export const WIDGET = {
  widget: {
    method: 'GET',
    path: '/widget.js',
    group: 'widget',
    auth: 'open',
    summary: 'The embeddable widget script (brotli or gzip as accepted; revalidate with its ETag)',
    responses: { '200': { description: 'JavaScript' }, '304': { description: 'Not modified (matching If-None-Match)' } },
  },
} as const satisfies Record<string, Endpoint>;
