import type { SubmissionResponse } from '../../functions/core/contracts.js';
import type { Display } from '../../functions/core/presentation.js';
import type { View } from './loader.js';
import { PREVIEW_DATA_ID } from './preview-protocol.js';

/**
 * The preview's page and the widget's ways out of it. Imported first by `preview.ts`, so the replacements
 * are in place before any of the widget's modules runs: `fetch` answers a submission with the API's
 * `answer` and anything else with 404 (no request reaches a network), `sendBeacon` drops the impression,
 * and `localStorage` is the frame's memory. Whatever else could leave (an image, an XHR, a connection)
 * the console's policy refuses: it names no origin but the console's own and its sign-in provider's.
 */
export interface Preview {
  view: View;
  /** The mode to show it in, whatever the config says. */
  mode: Display['mode'];
  /** What the API answers a new visitor's submission. */
  answer: SubmissionResponse;
}

/** The preview the console wrote into the page, as JSON. */
export const preview = JSON.parse(document.getElementById(PREVIEW_DATA_ID)!.textContent!) as Preview;

const json = (body: unknown, status: number) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
window.fetch = async (url) => (/\/v1\/forms\/[^/]+\/submissions$/.test(String(url)) ? json(preview.answer, 202) : json({}, 404));
navigator.sendBeacon = () => true;
const memory = new Map<string, string>();
Object.defineProperty(window, 'localStorage', {
  value: {
    getItem: (k: string) => memory.get(k) ?? null,
    setItem: (k: string, v: string) => void memory.set(k, String(v)),
    removeItem: (k: string) => void memory.delete(k),
  },
});
