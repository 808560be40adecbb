import type { Theme } from '../../functions/core/presentation.js';
import { profileFields } from './profile.js';
import { h } from './dom.js';
import { form } from './form.js';
import type { Ctx, Load, View } from './loader.js';
import { impress } from './beacon.js';
import { request } from './api.js';
import { DONE, kv, SEEN, TOKEN } from './store.js';
import { CSS } from './styles.js';

/**
 * The form's code, imported by the loader when a form is to be shown: the form in a shadow root (the
 * page's CSS cannot reach in, ours cannot leak out), inline where the snippet sits, or handed to the
 * popup, slide-in or bar of `float.tsx`.
 */
export interface Shown {
  close(): void;
}

/**
 * A popup, slide-in or bar around the form (`float.tsx`, its own module: an inline page never loads it).
 * It gets what it needs, the JSX factory included, so it imports nothing of this module.
 */
export type Frame = (o: {
  h: typeof h;
  root: ShadowRoot;
  body: HTMLElement;
  view: View;
  /** Remove the form (the loader may show it again). */
  close(): void;
  opener: Element | null | undefined;
  /** Add the frame's own stylesheet to the form's. */
  style(css: string): void;
}) => Shown;

let sheet: CSSStyleSheet | undefined;

/** The custom properties the config's theme sets; the page's own (`funnel-form { --funnel-accent: … }`) win over them. */
const PROPS = { accent: 'accent', accentText: 'accent-text', text: 'text', muted: 'muted', background: 'background', border: 'border', error: 'error' };
const themeCss = (theme: Theme | undefined) => {
  if (!theme) return '';
  const vars = (p: Record<string, unknown> | undefined, dark = '') =>
    Object.entries(PROPS)
      .filter(([k]) => p?.[k])
      .map(([k, v]) => `--funnel-${dark}${v}:${p![k]};`)
      .join('');
  return `:host{${vars(theme)}${theme.radius != null ? `--funnel-radius:${theme.radius}px;` : ''}${theme.font ? `--funnel-font:${theme.font};` : ''}${vars(theme.dark, 'dark-')}}`;
};

/**
 * The page's scheme where the form sits: its declared `color-scheme` (CSS, or the meta tag), the visitor's
 * preference where it declares both; else what it shows, the first background behind the form that is not
 * transparent (a page with no dark mode keeps a light form on a dark-mode OS).
 */
const pageScheme = (host: Element, prefersDark: boolean) => {
  const s = getComputedStyle(host).colorScheme.replace('normal', '') || document.querySelector<HTMLMetaElement>('meta[name=color-scheme]')?.content || '';
  if (/dark/.test(s)) return /light/.test(s) && !prefersDark ? 'light' : 'dark';
  if (/light/.test(s)) return 'light';
  for (let e: Element | null = host; e; e = e.parentElement) {
    const [r = 0, g = 0, b = 0, a = 1] = getComputedStyle(e)
      .backgroundColor.match(/[\d.]+/g)!
      .map(Number);
    if (a) return r + g + b < 384 ? 'dark' : 'light';
  }
  return 'light';
};

/**
 * Styles for a shadow root: constructed sheets (which CSP's style-src does not govern), or `<style nonce>`
 * where they are missing. Called again with more sheets (a frame's), it replaces the adopted list and, in
 * the fallback, adds only what is new.
 */
function style(root: ShadowRoot, nonce: string | undefined, ...css: string[]) {
  try {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    root.adoptedStyleSheets = [sheet, ...css.map((c) => ((s) => (s.replaceSync(c), s))(new CSSStyleSheet()))];
  } catch {
    const present = [...root.querySelectorAll('style')].map((s) => s.textContent);
    for (const c of [CSS, ...css]) if (!present.includes(c)) root.append(h('style', { nonce }, c));
  }
}

/**
 * Show the form `c` in its display mode (its host placed after its snippet, or at the end of the page), or
 * its failure to load. `opener`: what opened it, where focus returns on close. What it needs from the network
 * (the frames of a popup, slide-in or bar; the known fields) comes first: a page view unmounted meanwhile
 * gets nothing drawn, and a popup whose frames cannot be fetched is neither drawn, counted nor capped. The
 * beacon counts the impression: an inline form once at least half of it was on screen, the others as they open.
 */
export async function show(c: Ctx, opener: Element | null | undefined, load: Load, floating: () => Promise<{ frame: Frame }>): Promise<Shown> {
  const { view, api, el } = c;
  const inline = !view || view.display.mode == 'inline';
  // Progressive profiling: which fields the lead this browser's visitor token names has given (names only),
  // asked while the frames load.
  const visitorToken = view?.progressive && kv(TOKEN + api);
  const [frames, known] = await Promise.all([
    inline ? undefined : floating(),
    visitorToken
      ? request<{ known: string[] }>(`${api}/v1/forms/${encodeURIComponent(c.id)}/known`, { visitorToken }, []).then((r) => (r.ok && r.data.known) || [])
      : [],
  ]);
  const frame = frames?.frame;
  // Unmounted while those were on their way (a single-page app moved on): its host may be another's by now.
  if (c.gone) return { close() {} };

  const host = (c.host ||= el.tagName == 'SCRIPT' ? document.createElement('funnel-form') : el);
  if (!host.isConnected) inline ? el.after(host) : document.body.append(host);
  const root = host.shadowRoot || host.attachShadow({ mode: 'open' });
  let off = () => {};
  const close = () => {
    off();
    root.replaceChildren();
    host.removeAttribute('mode');
    if (host != el) host.remove();
    c.shown = c.host = undefined;
  };
  root.replaceChildren();
  style(root, c.nonce, themeCss(view?.theme));
  if (!view) {
    root.append(
      <div class="w">
        <p role="alert">{c.failed == 404 ? 'This form is not available.' : 'Could not reach the server. Check your connection and try again.'}</p>
        <button type="button" onClick={() => (close(), load(c))}>
          Try again
        </button>
      </div>,
    );
    return { close };
  }

  // light, dark, or (auto) as the page around it is, followed as the visitor's preference changes.
  const scheme = view.theme?.scheme ?? 'auto';
  const dark = matchMedia('(prefers-color-scheme:dark)');
  const paint = () => host.setAttribute('scheme', scheme == 'auto' ? pageScheme(host, dark.matches) : scheme);
  paint();
  dark.addEventListener('change', paint);
  off = () => dark.removeEventListener('change', paint);

  const { mode } = view.display;
  const body = form({
    api,
    view,
    arrived: c.arrived! - c.age! * 1e3,
    fields: profileFields(view.fields, view.progressive ?? [], known),
    done: () => kv(DONE + c.id, '1'),
  });
  if (!frame) {
    host.removeAttribute('mode');
    root.append(body);
    // Counted once at least half of it was on screen (the first report comes at once, whatever it shows).
    const seen = new IntersectionObserver((e) => e.some((x) => x.intersectionRatio >= 0.5) && (impress(c), seen.disconnect()), { threshold: 0.5 });
    seen.observe(host);
    off = ((o) => () => (o(), seen.disconnect()))(off);
    return { close };
  }
  host.setAttribute('mode', mode);
  // Open: no trigger opens it again this page view, the cap counts from now, and it is counted.
  c.fired = 1;
  kv(SEEN + c.id, `${Date.now()}`);
  impress(c);
  return frame({ h, root, body, view, close, opener, style: (css) => style(root, c.nonce, themeCss(view.theme), css) });
}
