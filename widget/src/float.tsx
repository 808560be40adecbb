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
 */
const CSS = `.x{position:absolute;top:.4em;inset-inline-end:.4em;min-width:2.75rem;min-height:2.75rem;padding:0;background:none;color:var(--t);font:400 1.5em/1 system-ui,sans-serif}
.p{padding:0;border:0;background:none;width:min(32rem,100vw - 2em);max-height:calc(100vh - 2em);overflow:auto}
.p::backdrop{background:#0b1220b3}
.p .w,.slide-in .w{padding-top:2.5em}
.slide-in,.bar{position:fixed;z-index:2147483646}
.slide-in{bottom:1em;width:min(24rem,100vw - 2em);max-height:calc(100vh - 2em);overflow:auto}
.right{right:1em}.left{left:1em}
.bar{left:0;right:0}.bar.top{top:0}.bar.bottom{bottom:0}
.bar .w{max-width:none;border-radius:0;display:flex;flex-wrap:wrap;align-items:flex-end;gap:0 1em;padding-inline-end:3.5em;max-height:60vh;overflow:auto}
.bar h2,.bar .d,.bar [role=alert]{flex-basis:100%}.bar [role=alert]{order:1;margin:0}.bar .f{flex:1 1 12em;max-width:26em}.bar button[type=submit]{margin-bottom:.8em}
@media (prefers-reduced-motion:no-preference){.p,.slide-in,.bar{animation:in .25s ease-out}@keyframes in{from{opacity:0;transform:translateY(1em)}}}`;

export const frame: Frame = ({ h, root, body, view, close, opener, style }) => {
  style(CSS);
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
    if (dialog?.open) dialog.close();
    close();
    (previous as HTMLElement | null)?.focus?.();
  };
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
  const go = () => (off(), fire());
  const t = afterSeconds != null && setTimeout(go, afterSeconds * 1e3 - (performance.now() - c.arrived!));
  const deep = () => (scrollY + innerHeight) * 100 >= depth! * document.documentElement.scrollHeight && go();
  const exit = (e: MouseEvent) => !e.relatedTarget && e.clientY <= 0 && go();
  const off = () => {
    clearTimeout(t || 0);
    removeEventListener('scroll', deep);
    document.removeEventListener('mouseout', exit);
  };
  if (exitIntent && matchMedia('(pointer:fine)').matches) document.addEventListener('mouseout', exit);
  // Last: if the reader is past the depth already, it fires now, and disarms what was armed above.
  if (depth) addEventListener('scroll', deep), deep();
  return off;
};
