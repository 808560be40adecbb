import type { EventResponse, FormView } from '../../functions/core/contracts.js';
import { httpUrl, newId } from './api.js';
import { DONE, ID, SEEN, TOKEN, kv } from './store.js';
import type { Shown } from './ui.js';
import type { Display, Strings } from '../../functions/core/presentation.js';

/**
 * The loader: `widget.js`, the stable URL every snippet loads (cached five minutes), and what every page
 * with a snippet must run before anything is known: page views of known visitors, each form's definition
 * (for this browser's A/B bucket), the frequency cap, clicks on `data-funnel-open`, and `window.funnel`.
 * The rest comes in two modules named by their content hash (cached a year): the form's code (`ui.tsx`,
 * with the impression beacon), imported at once for an inline form; and for a popup, slide-in or bar the
 * cap lets open, its frames and triggers (`float.tsx`), imported with the form's code while the browser is
 * idle. A tracking-only page, or one whose popup the cap keeps shut, loads neither.
 *
 * It runs once per page: a second copy (the snippet pasted twice, one inserted later by a tag manager or a
 * single-page app) only asks the first to scan again. Each page view remembers the snippets it mounted, so
 * nothing mounts twice, and the page's elements carry no mark of it. `window.funnel` is the page's handle:
 * `scan()`, `open(formId)`, `unmount()`, `forget()`.
 */
declare const FORM_MODULE: string;
declare const FLOAT_MODULE: string;

/** A form definition as the widget uses it. */
/** A definition as the widget reads it: a floating form's display (the only one whose trigger and cap it reads) is whole. */
export type View = Omit<FormView, 'strings' | 'display'> & { strings: Strings; display: Display };

/** One form on the page, shared with the form's code. */
export interface Ctx {
  api: string;
  id: string;
  /** The snippet, or the element that hosts the form (any element with `data-funnel-form` but a script). */
  el: HTMLElement;
  /** The snippet's CSP nonce, for the `<style>` of browsers without constructed stylesheets. */
  nonce?: string | undefined;
  view?: View;
  /** The status of a failed load of the definition. */
  failed?: number;
  /** performance.now() when the definition arrived. */
  arrived?: number;
  /** Seconds a CDN kept the definition (its `Age`): its serverTime describes the server's clock that much before it arrived. */
  age?: number | undefined;
  host?: HTMLElement | undefined;
  /** Set from the moment the form is to be shown (its code may still be on its way) until the form's code closes it. */
  shown?: Promise<Shown | void> | undefined;
  /** It was opened (by a trigger or a click): no trigger opens it again this page view. */
  fired?: 1 | undefined;
  /** The page view's record of the snippets it mounted, the APIs it tracked and the forms it counted. */
  seen: Set<unknown>;
  /** Its page view was unmounted: it shows and counts nothing more. */
  gone?: 1;
}

/** What the form's code calls back: load the definition again (a retry). */
export type Load = (c: Ctx) => void;

export interface Funnel {
  /** Mount every snippet not mounted yet (after a single-page app rendered a new view). */
  scan(): void;
  /** Open a popup, slide-in or bar now, whatever its triggers and cap say. */
  open(formId: string): void;
  /**
   * Remove every form and its triggers; the next `scan()` mounts afresh as a new page view. Impressions the
   * page view counted still go out; the one delegated click listener stays, with nothing to open until then.
   */
  unmount(): void;
  /** Drop every visitor token on this origin (for a privacy page). */
  forget(): void;
}

declare global {
  interface Window {
    funnel?: Funnel;
  }
}

const w = window;
const d = document;
type Answer = [status: number, body?: Partial<FormView> & Partial<EventResponse>, age?: number];

/** GET (or POST `text/plain`, a CORS-simple request with no pre-flight), retried once on a network error or 5xx. */
const call = async (url: string, body?: object): Promise<Answer> => {
  for (let i = 0; ; i++) {
    let status = 0;
    try {
      const r = await fetch(url, body && { method: 'POST', body: JSON.stringify(body), keepalive: true });
      status = r.status;
      if (status < 500) return [status, await r.json().catch(() => 0), +r.headers.get('age')! || 0];
    } catch {}
    if (i) return [status];
    await new Promise((ok) => setTimeout(ok, 1e3));
  }
};

if (w.funnel) w.funnel.scan();
else {
  const me = (d.currentScript || d.querySelector('script[src*="/widget.js"]')) as HTMLScriptElement;
  const url = (path: string) => new URL(path, me.src).href;
  const chunk = (): Promise<typeof import('./ui.js')> => import(url(FORM_MODULE));
  /** The popup, slide-in and bar frames: a module of their own, which a page with inline forms only never loads. */
  const float = (): Promise<typeof import('./float.js')> => import(url(FLOAT_MODULE));
  /** Popups, slide-ins and bars by form id: one of each per page. */
  let floating: Record<string, Ctx>;
  /** The snippets this page view mounted, the APIs it tracked, the forms it counted. */
  let seen: Set<unknown>;
  /** What unmounting this page view undoes: its forms and their triggers. */
  let offs: (() => void)[];
  /** Forget this page view: the next scan is a new one (a single-page app's navigation). */
  const reset = () => {
    floating = {};
    seen = new Set();
    offs = [];
  };
  /** This browser's A/B bucket (0–99), kept; the server shows the variant of the bucket. */
  const random = `${(Math.random() * 100) | 0}`;
  const bucket = kv(ID) || kv(ID, random) || random;

  /**
   * A page view of a visitor who submitted with marketing consent: once per page view and API, never with
   * Do Not Track. Marked even without a token: a token stored by a submission on this page must not count
   * this page. A token the API no longer takes (unsubscribed, invalid, lead gone) is forgotten.
   */
  const track = async (api: string) => {
    const key = TOKEN + api;
    const visitorToken = kv(key);
    const url = httpUrl(location.href);
    if (seen.has(key) || (seen.add(key), !visitorToken || !url || navigator.doNotTrack == '1')) return;
    const [status, r] = await call(`${api}/v1/events`, {
      visitorToken,
      eventId: newId(),
      type: 'page_viewed',
      url,
      title: d.title.slice(0, 300),
      referrer: httpUrl(d.referrer),
    });
    if (status == 401 || status == 404 || r?.reason == 'unsubscribed') kv(key, null);
  };

  /** Show the form (importing its code), or its failure to load with a retry. */
  const show = (c: Ctx, opener?: Element | null) => {
    if (c.shown) return;
    c.shown = chunk()
      .then((m) => m.show(c, opener, load, float))
      .catch(() => void (c.shown = undefined));
  };

  /**
   * Fetch the definition and assign the variant; then show an inline form, or arm the triggers of a popup,
   * slide-in or bar if its frequency cap lets it open here and now.
   */
  const load = async (c: Ctx) => {
    // The id as the page wrote it: the API answers 404 (or 400) for anything that is not a form's.
    const [status, view, age] = await call(`${c.api}/v1/forms/${c.id}?bucket=${bucket}`);
    c.arrived = performance.now();
    c.age = age;
    if (c.gone) return;
    if (!view?.id) return ((c.failed = status), show(c));
    const { mode, cap } = (c.view = view as View).display;
    if (mode == 'inline') return show(c);
    if (floating[c.id]) return;
    floating[c.id] = c;
    // Trailing slashes do not matter: the patterns come with one (`/pricing/`, `/docs/*`), and so does the path.
    const path = location.pathname.replace(/\/?$/, '/');
    if (
      cap.excludePaths.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : path == p)) ||
      (cap.afterSubmit && kv(DONE + c.id)) ||
      Date.now() - +(kv(SEEN + c.id) || 0) < cap.days * 864e5
    )
      return;
    // Its triggers come with its frames, fetched with the form's code while the browser is idle (within two
    // seconds on a busy page; at once where there is no idle callback), so it opens at once when its moment
    // comes. Once opened (by a trigger or a click) the form's code sets `fired`: no trigger opens it again.
    // Frames that cannot be fetched arm nothing this page view; a click on `data-funnel-open` tries again.
    (w.requestIdleCallback || setTimeout)(
      () => (
        chunk().catch(() => 0),
        float()
          .then((m) => c.gone || offs.push(m.arm(c, () => c.fired || show(c))))
          .catch(() => 0)
      ),
      { timeout: 2e3 } as never,
    );
  };

  const scan = () => {
    // A snippet (a script, its form mounted right after it), or any element that hosts the form itself.
    d.querySelectorAll<HTMLElement>('[data-funnel-form],[data-funnel-api]').forEach((el) => {
      const data = el.dataset;
      if (seen.has(el)) return;
      seen.add(el);
      const api = (data.funnelApi || new URL((el as HTMLScriptElement).src || location.href).origin).replace(/\/+$/, '');
      void track(api);
      const id = data.funnelForm;
      if (!id) return;
      const c: Ctx = { api, id, el, nonce: el.nonce, seen };
      // Unmounted, it shows and counts nothing more, and goes if shown (or once its code has come).
      offs.push(() => ((c.gone = 1), void c.shown?.then((s) => s?.close())));
      void load(c);
    });
  };

  w.funnel = {
    scan,
    open: (id) => floating[id] && show(floating[id]),
    unmount() {
      for (const off of offs) off();
      // Every snippet, tracking-only ones included: the next scan is a new page view for them all.
      reset();
    },
    forget() {
      try {
        for (const k in localStorage) if (k.startsWith(TOKEN)) kv(k, null);
      } catch {}
    },
  };
  // One delegated listener for the page's lifetime: after an unmount it finds nothing to open until a scan.
  d.addEventListener('click', (e) => {
    const by = (e.target as Element).closest?.('[data-funnel-open]');
    const c = floating[by?.getAttribute('data-funnel-open') ?? ''];
    if (c) e.preventDefault(), show(c, by);
  });
  reset();
  scan();
  // A snippet parsed after the loader ran (a sync script high in the page) is caught here.
  if (d.readyState == 'loading') d.addEventListener('DOMContentLoaded', scan);
}
