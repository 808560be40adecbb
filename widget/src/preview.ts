// First: the widget's ways out of the page are replaced before any of its modules runs.
import { preview } from './preview-io.js';
import type { Display } from '../../functions/core/presentation.js';
import * as floating from './float.js';
import type { Ctx, View } from './loader.js';
import { PREVIEW_AGAIN, TOOK_FOCUS } from './preview-protocol.js';
import { show } from './ui.js';

/**
 * The widget's preview entry: the console's live preview of a form (its forms page) runs the widget's form
 * code and frames, unchanged, in a frame of its own, a page standing for the marketer's, where a popup,
 * slide-in or bar floats over that page as it would over theirs. The page holds the preview as JSON
 * (written by the console from `GET /v1/console/forms/{formId}/preview`); this shows it in the display mode
 * it names, at once (no trigger, no frequency cap), with nothing counted, sent or kept (`preview-io.ts`).
 * The words both sides use are in `preview-protocol.ts`.
 */

/** The API the widget believes it talks to: a name that resolves nowhere (RFC 2606), were anything to get past `fetch`. */
const API = 'https://preview.invalid';

/** The display of `view` in `mode`: its own where the config gives that mode, else the mode's defaults (a slide-in on the right, a bar at the bottom). */
const displayAs = (view: View, mode: Display['mode']): Display =>
  (view.display.mode == mode ? view.display : { ...view.display, mode, position: undefined }) as Display;

const d = document;
const view: View = { ...preview.view, display: displayAs(preview.view, preview.mode) };
// As on a site: an inline form is drawn where its snippet sits (the page's `<funnel-form>`); a floating one
// gets a host of its own at the end of the page (its snippet here a script the page does not hold).
const el = preview.mode == 'inline' ? d.querySelector<HTMLElement>('funnel-form')! : d.createElement('script');
const c: Ctx = { api: API, id: view.id, el, view, arrived: performance.now(), age: 0, seen: new Set() };
const open = (opener?: Element | null) =>
  (c.shown ||= show(
    c,
    opener,
    () => 0,
    async () => floating,
  ));

// A popup takes the focus as it opens (a modal dialog does), here out of the console's controls: the
// console is asked to give it back, as this opening was not the person's doing. Told by where this page's
// focus is, not by `hasFocus()`, which is false in a tab in the background (the focus moves all the same).
const had = d.hasFocus();
void open().then(() => had || d.activeElement == d.body || parent.postMessage(TOOK_FOCUS, '/'));
// Closed or submitted, the form shows afresh from the page's button (as a click on `data-funnel-open` would).
d.addEventListener('click', async (e) => {
  const by = (e.target as Element).closest?.(`[${PREVIEW_AGAIN}]`);
  const was = c.shown;
  if (!by) return;
  const shown = await was?.catch(() => undefined);
  // A second click while the first was at it: the first shows it.
  if (c.shown != was) return;
  shown?.close();
  c.shown = undefined;
  open(by);
});
