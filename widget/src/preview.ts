import type { SubmissionResponse } from '../../functions/core/contracts.js';
import type { Display } from '../../functions/core/presentation.js';
import * as floating from './float.js';
import type { Ctx, View } from './loader.js';
import { PREVIEW_AGAIN, PREVIEW_DATA_ID, TOOK_FOCUS } from './preview-protocol.js';
import { show } from './ui.js';

/**
 * The widget's preview entry: the console's live preview of a form (its forms page) runs the widget's form
 * code and frames, unchanged, in a frame of its own, a page standing for the marketer's, where a popup,
 * slide-in or bar floats over that page as it would over theirs. The page holds the preview as JSON
 * (`<script type="application/json" id="funnel-preview">`, written by the console from
 * `GET /v1/console/forms/{formId}/preview`); this shows it in the display mode it names, at once (no
 * trigger, no frequency cap).
 *
 * The widget's ways out of the page are replaced here, so nothing leaves the frame or stays after it,
 * whatever the widget's code asks for: `fetch` answers a submission with the API's `answer` and anything
 * else with 404 (no request reaches a network), `sendBeacon` drops the impression, and `localStorage` is
 * the frame's memory. The words both sides use are in `preview-protocol.ts`.
 */
export interface Preview {
  view: View;
  /** The mode to show it in, whatever the config says. */
  mode: Display['mode'];
  /** What the API answers a new visitor's submission. */
  answer: SubmissionResponse;
}

/** The API the widget believes it talks to: a name that resolves nowhere (RFC 2606), were anything to get past `fetch`. */
const API = 'https://preview.invalid';

const w = window;
const d = document;
const p = JSON.parse(d.getElementById(PREVIEW_DATA_ID)!.textContent!) as Preview;
const json = (body: unknown, status: number) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
w.fetch = async (url) => (/\/v1\/forms\/[^/]+\/submissions$/.test(String(url)) ? json(p.answer, 202) : json({}, 404));
navigator.sendBeacon = () => true;
const memory = new Map<string, string>();
Object.defineProperty(w, 'localStorage', {
  value: {
    getItem: (k: string) => memory.get(k) ?? null,
    setItem: (k: string, v: string) => void memory.set(k, String(v)),
    removeItem: (k: string) => void memory.delete(k),
  },
});

/** The display of `view` in `mode`: its own where the config gives that mode, else the mode's defaults (a slide-in on the right, a bar at the bottom). */
const displayAs = (view: View, mode: Display['mode']): Display =>
  (view.display.mode == mode ? view.display : { ...view.display, mode, position: undefined }) as Display;

const view: View = { ...p.view, display: displayAs(p.view, p.mode) };
const c: Ctx = { api: API, id: view.id, el: d.querySelector<HTMLElement>('funnel-form')!, view, arrived: performance.now(), age: 0, seen: new Set() };
const open = (opener?: Element | null) =>
  (c.shown ||= show(
    c,
    opener,
    () => 0,
    async () => floating,
  ));

// A popup takes the focus as it opens (a modal dialog does), here out of the console's controls: the
// console is asked to give it back, as this opening was not the person's doing.
const had = d.hasFocus();
void open().then(() => had || !d.hasFocus() || parent.postMessage(TOOK_FOCUS, '/'));
// Closed or submitted, the form shows afresh from the page's button (as a click on `data-funnel-open` would).
d.addEventListener('click', async (e) => {
  const by = (e.target as Element).closest?.(`[${PREVIEW_AGAIN}]`);
  if (!by) return;
  (await c.shown)?.close();
  c.shown = undefined;
  open(by);
});
