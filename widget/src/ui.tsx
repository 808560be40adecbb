import type { Theme } from '../../functions/core/presentation.js';
import { profileFields } from './profile.js';
import { h } from './dom.js';
import { form } from './form.js';
import type { Ctx, Impress, Load } from './loader.js';
import { request } from './api.js';
import { DONE, kv, TOKEN } from './store.js';
import { CSS } from './styles.js';

/**
 * The form's code, imported by the loader when a form is to be shown: the form in its display mode, in a
 * shadow root (the page's CSS cannot reach in, ours cannot leak out).
 * - inline: where the snippet sits.
 * - popup: a modal `<dialog>`: the page behind is inert, so focus stays inside; Escape or the close button
 *   closes it and focus returns to where it was.
 * - slide-in (a bottom corner) and bar (top or bottom edge): non-modal; they do not take focus from what the
 *   visitor is reading; Escape inside them or the close button closes them.
 */
export interface Shown {
  close(): void;
}

let sheet: CSSStyleSheet | undefined;

/** The custom properties the config's theme sets; the page's own (`funnel-form { --funnel-accent: … }`) win over them. */
const PROPS = { accent: 'accent', accentText: 'accent-text', text: 'text', muted: 'muted', background: 'background', border: 'border', error: 'error' };
const themeCss = (theme: Theme) => {
  const vars = (p: Record<string, unknown> | undefined, dark = '') =>
    Object.entries(PROPS)
      .filter(([k]) => p?.[k])
      .map(([k, v]) => `--funnel-${dark}${v}:${p![k]};`)
      .join('');
  return `:host{${vars(theme)}${theme.radius != null ? `--funnel-radius:${theme.radius}px;` : ''}${theme.font ? `--funnel-font:${theme.font};` : ''}${vars(theme.dark, 'dark-')}}`;
};

/** Styles for a shadow root: constructed sheets (which CSP's style-src does not govern), or `<style nonce>` where they are missing. */
function style(root: ShadowRoot, nonce: string | undefined, ...css: string[]) {
  try {
    if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
    root.adoptedStyleSheets = [sheet, ...css.map((c) => ((s) => (s.replaceSync(c), s))(new CSSStyleSheet()))];
  } catch {
    for (const c of [CSS, ...css]) root.append(h('style', { nonce }, c));
  }
}

/**
 * Show the form `c` in its display mode (its host placed after its snippet, or at the end of the page), or
 * its failure to load. `opener`: what opened it, where focus returns on close. The loader counts the
 * impression: an inline form once at least half of it was on screen, the others as they open.
 */
export async function show(c: Ctx, opener: Element | null | undefined, impress: Impress, load: Load): Promise<Shown> {
  const { view, api, el } = c;
  const inline = !view || view.display.mode == 'inline';
  const host = (c.host ||= el.tagName == 'SCRIPT' ? document.createElement('funnel-form') : el);
  if (!host.isConnected) inline ? el.after(host) : document.body.append(host);
  const root = host.shadowRoot || host.attachShadow({ mode: 'open' });
  let off = () => {};
  const close = () => {
    off();
    root.replaceChildren();
    if (host != el) host.remove();
    c.shown = c.host = undefined;
  };
  root.replaceChildren();
  style(root, c.nonce, view?.theme ? themeCss(view.theme) : '');
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

  // Progressive profiling: which fields the lead this browser's visitor token names has given (names only).
  const visitorToken = view.progressive && kv(TOKEN + api);
  const known: string[] = visitorToken
    ? await request<{ known: string[] }>(`${api}/v1/forms/${encodeURIComponent(c.id)}/known`, { visitorToken }, []).then((r) => (r.ok && r.data.known) || [])
    : [];

  // light, dark, or the visitor's preference, followed as it changes.
  const scheme = view.theme?.scheme ?? 'auto';
  const dark = matchMedia('(prefers-color-scheme:dark)');
  const paint = () => host.setAttribute('scheme', scheme == 'auto' ? (dark.matches ? 'dark' : 'light') : scheme);
  paint();
  dark.addEventListener('change', paint);
  off = () => dark.removeEventListener('change', paint);

  const { mode, position } = view.display;
  const body = form({
    api,
    view,
    variant: c.variant,
    arrived: c.arrived!,
    fields: profileFields(view.fields, view.progressive ?? [], known),
    done: () => kv(DONE + c.id, '1'),
  });
  if (inline) {
    host.removeAttribute('mode');
    root.append(body);
    // Counted once at least half of it has been on screen.
    const seen = new IntersectionObserver((e) => e.some((x) => x.isIntersecting) && (impress(c), seen.disconnect()), { threshold: 0.5 });
    seen.observe(host);
    off = ((o) => () => (o(), seen.disconnect()))(off);
    return { close };
  }
  host.setAttribute('mode', mode);
  impress(c);
  const x = (
    <button type="button" class="x" aria-label={view.strings.close} onClick={() => hide()}>
      ×
    </button>
  );
  const previous = opener || document.activeElement;
  let hide = () => {
    hide = () => {};
    if (dialog?.open) dialog.close();
    close();
    (previous as HTMLElement | null)?.focus?.();
  };
  let dialog: HTMLDialogElement | undefined;
  const where = position || (mode == 'bar' ? 'bottom' : 'right');
  if (mode == 'popup') {
    // A click on the backdrop (the dialog itself, outside its content) closes it too; Escape and the close
    // button are the keyboard's ways, given by <dialog> and the button.
    dialog = h(
      'dialog',
      { class: 'p', 'aria-labelledby': 't', onClose: () => hide(), onClick: (e: MouseEvent) => e.target == dialog && hide() },
      body,
      x,
    ) as HTMLDialogElement;
    root.append(dialog);
    dialog.showModal();
  } else {
    // A labelled <section> is a region landmark (the bar); the slide-in is a non-modal dialog.
    root.append(
      mode == 'bar' ? (
        <section class={`bar ${where}`} aria-labelledby="t">
          {body}
          {x}
        </section>
      ) : (
        <div class={`slide-in ${where}`} role="dialog" aria-labelledby="t">
          {body}
          {x}
        </div>
      ),
    );
    // Escape closes it while focus is inside.
    root.addEventListener('keydown', (e) => (e as KeyboardEvent).key == 'Escape' && hide());
  }
  return { close: () => hide() };
}
