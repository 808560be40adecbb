import { pageContext } from './api.js';
import type { Ctx } from './loader.js';

/**
 * The impression beacon, part of the form's code: an impression is counted only when a form is shown, and
 * a form is shown only by this code, so the beacon comes with it, never on a page that shows no form.
 * Impressions go out together by `sendBeacon` (`text/plain`, no pre-flight), two seconds after the first or
 * when the page is hidden (which leaving it is). The listener lives only while impressions wait.
 */
let queue: Record<string, object[]> = {};
let timer = 0;

const flush = () => {
  clearTimeout(timer);
  timer = 0;
  document.removeEventListener('visibilitychange', flush);
  for (const api in queue) navigator.sendBeacon(`${api}/v1/impressions`, JSON.stringify({ impressions: queue[api] }));
  queue = {};
};

/**
 * A form was shown: counted once per page view and form (the loader's record of the page view), never for
 * a page view unmounted since. Only the path and the campaign go, nothing personal.
 */
export const impress = (c: Ctx) => {
  const { id, api, view, seen } = c;
  if (seen.has(id) || c.gone) return;
  seen.add(id);
  // The campaign and source as the submission reports them, so both are counted under the same key.
  const { utm } = pageContext();
  (queue[api] ||= []).push({
    formId: id,
    variant: view?.variant,
    page: location.pathname.slice(0, 200),
    campaign: utm?.campaign,
    source: utm?.source,
    proof: view?.proof,
  });
  if (!timer) {
    timer = +setTimeout(flush, 2e3);
    document.addEventListener('visibilitychange', flush);
  }
};
