import type { Ctx } from './loader.js';
import type { Frame } from './ui.js';

/**
 * Popup, slide-in and bar: the frames around a form that opens over the page, in their own module, which an
 * inline form's page never loads. It imports nothing: the form's module hands it the JSX factory (`h`, in
 * scope for the JSX below) and the form.
 * - popup: a modal `<dialog>`: the page behind is inert, so focus stays inside; Escape, the close button or
 *   a click on the backdrop close it, and focus returns to what opened it.
 * - slide-in (a bottom corner) and bar (top or bottom edge): non-modal; they do not take the focus from
 *   what the visitor is reading; Escape inside them or the close button closes them.
 * Motion only for visitors who have not asked for less.
 *
 * On a small screen (a phone) a slide-in or bar that opens by itself shows compact: its title, its button
 * and close, a strip of about a tenth of the screen (Google's guidance on intrusive interstitials). The
 * visitor's tap on its button opens the form over the whole screen, all of it reachable.
 * At most one of these is open on a page: opening one closes the other.
 */
const CSS = `.sm{all:initial;box-sizing:border-box;display:flex;align-items:center;gap:.5em;padding:.5em .25em .5em 1em;background:var(--bg);color:var(--t);border:1px solid var(--l);border-radius:var(--funnel-radius,10px);box-shadow:0 .25em 1.25em #0004;font:600 var(--funnel-font-size,16px)/1.3 var(--funnel-font,system-ui,sans-serif)}
.sm .tt{flex:1;margin:0;overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
.sm .x{position:static;flex:none}.bar.sm{border-radius:0;border-width:1px 0}
.slide-in.full{inset:0;width:auto;max-height:none;overflow:auto;background:var(--bg)}.full .w{max-width:none;min-height:100%;border:0;border-radius:0}
.x{position:absolute;top:.4em;inset-inline-end:.4em;min-width:2.75rem;min-height:2.75rem;padding:0;background:none;color:var(--t);font:400 1.5em/1 system-ui,sans-serif}
.p{padding:0;border:0;background:none;width:min(32rem,100vw - 2em);max-height:calc(100dvh - 2em);overflow:auto}
.p::backdrop{background:#0b1220b3}
.p .w,.slide-in .w{padding-top:2.5em}
.slide-in,.bar{position:fixed;z-index:2147483646}
.slide-in{bottom:1em;width:min(24rem,100vw - 2em);max-height:calc(100dvh - 2em);overflow:auto}
.right{right:1em}.left{left:1em}
.bar{left:0;right:0}.bar.top{top:0}.bar.bottom{bottom:0}
.bar .w{max-width:none;border-radius:0;display:flex;flex-wrap:wrap;align-items:flex-end;gap:0 1em;padding-inline-end:3.5em;max-height:60vh;overflow:auto}
.bar h2,.bar .d,.bar [role=alert]{flex-basis:100%}.bar [role=alert]{order:1;margin:0}.bar .f{flex:1 1 12em;max-width:26em}.bar button[type=submit]{margin-bottom:.8em}
@media (prefers-reduced-motion:no-preference){.p,.slide-in,.bar{animation:in .25s ease-out}@keyframes in{from{opacity:0;transform:translateY(1em)}}}`;

/** A phone, or a window as small: floating forms show compact. */
const small = () => matchMedia('(max-width:640px),(max-height:500px)').matches;
/** The strip a compact slide-in or bar takes at its edge, in CSS pixels (a little more than it measures). */
const BAND = 120;
/** The floating form open on this page, if any: closed when another opens. */
let current: (() => void) | undefined;
/** When a trigger last set a form opening (its code, frames and known fields may still be on their way). */
let opening = 0;

export const frame: Frame = ({ h, root, body, view, close, opener, style }) => {
  style(CSS);
  current?.();
  opening = 0;
  const { mode, position } = view.display;
  const x = (
    <button type="button" class="x" aria-label={view.strings.close} onClick={() => hide()}>
      ×
    </button>
  );
  const previous = opener || document.activeElement;
  let dialog: HTMLDialogElement | undefined;
  let hide = () => {
    hide = () => {};
    if (current == closer) current = undefined;
    if (dialog?.open) dialog.close();
    close();
    (previous as HTMLElement | null)?.focus?.();
  };
  const closer = () => hide();
  current = closer;
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
    const panel: HTMLElement =
      mode == 'bar' ? <section class={`bar ${where}`} aria-labelledby="t" /> : <div class={`slide-in ${where}`} role="dialog" aria-labelledby="t" />;
    const full = () => panel.replaceChildren(body, x);
    // Opened by itself on a phone: compact until the visitor asks for the form, which then takes the screen.
    if (!opener && small()) {
      panel.classList.add('sm');
      panel.setAttribute('aria-label', view.title);
      panel.append(
        <p class="tt">{view.title}</p>,
        <button
          type="button"
          onClick={() => {
            panel.className = `slide-in full ${where}`;
            full();
            body.querySelector<HTMLElement>('input,select')?.focus();
          }}
        >
          {view.submitLabel}
        </button>,
        x,
      );
    } else full();
    root.append(panel);
    // Escape closes it while focus is inside.
    root.addEventListener('keydown', (e) => (e as KeyboardEvent).key == 'Escape' && hide());
  }
  return { close: closer };
};

/**
 * Whether a form may open by itself now: not over another popup, slide-in or bar, not while the visitor
 * types into a form (focus in a field, or in a form's shadow root), and on a phone not over another form's
 * controls (none in the strip its compact panel takes).
 */
const free = (c: Ctx) => {
  const a = document.activeElement;
  if (current || Date.now() - opening < 3e3 || a?.shadowRoot || /^(INPUT|SELECT|TEXTAREA)$/.test(a?.tagName ?? '')) return false;
  const { mode, position } = c.view!.display;
  if (mode == 'popup' || !small()) return true;
  const top = position == 'top';
  return ![...document.querySelectorAll('form,funnel-form,[data-funnel-form]:not(script)')].some((e) => {
    const r = e.getBoundingClientRect();
    return r.height && (top ? r.top < BAND && r.bottom > 0 : r.bottom > innerHeight - BAND && r.top < innerHeight);
  });
};

/**
 * Arm the triggers of a popup, slide-in or bar, once the loader's frequency cap let it open on this page:
 * after N seconds (counted from the definition's arrival, not from this module's), at a scroll depth
 * (checked at once too: the reader may be past it already), on exit intent (the pointer leaving through
 * the top; fine pointers only, touch has no such gesture). The first to fire disarms them all, so `fire`
 * runs at most once per page view, even if the form's code then cannot be fetched. Answers what disarms them.
 */
export const arm = (c: Ctx, fire: () => unknown): (() => void) => {
  const { afterSeconds, scrollPercent: depth, exitIntent } = c.view!.display.trigger;
  // Its moment came: it opens once the page is free for it (checked twice a second until then).
  let wait: ReturnType<typeof setInterval> | undefined;
  const open = () => ((opening = Date.now()), fire());
  const go = () => (off(), free(c) ? open() : (wait = setInterval(() => free(c) && (clearInterval(wait), open()), 500)));
  const t = afterSeconds != null && setTimeout(go, afterSeconds * 1e3 - (performance.now() - c.arrived!));
  const deep = () => (scrollY + innerHeight) * 100 >= depth! * document.documentElement.scrollHeight && go();
  const exit = (e: MouseEvent) => !e.relatedTarget && e.clientY <= 0 && go();
  const off = () => {
    clearTimeout(t || 0);
    clearInterval(wait);
    removeEventListener('scroll', deep);
    document.removeEventListener('mouseout', exit);
  };
  if (exitIntent && matchMedia('(pointer:fine)').matches) document.addEventListener('mouseout', exit);
  // Last: if the reader is past the depth already, it fires now, and disarms what was armed above.
  if (depth) addEventListener('scroll', deep), deep();
  return off;
};
