import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

/** A page's heading, focused when the page opens so a screen reader announces where the person is. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export const Loading = ({ what }: { what: string }) => (
  <p class="loading" role="status">
    Loading {what}…
  </p>
);

export const ErrorNote = ({ error, retry }: { error: Error; retry?: () => void }) => (
  <div class="error" role="alert">
    <p>{error.message}</p>
    {retry && (
      <button type="button" onClick={retry}>
        Try again
      </button>
    )}
  </div>
);

/** What to do when there is nothing to show yet. */
export const Empty = ({ title, children }: { title: string; children: ComponentChildren }) => (
  <div class="empty">
    <h2>{title}</h2>
    {children}
  </div>
);

/**
 * A modal dialog (the platform's `<dialog>`: focus moves in and is trapped, Escape closes it), shown
 * while `open`.
 */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={id} onClose={onClose}>
      <h2 id={id}>{title}</h2>
      {children}
    </dialog>
  );
}

/** A wide table's own scroll box: reachable by keyboard (it scrolls with the arrow keys once focused), and named. */
export const Scroll = ({ label, busy, children }: { label: string; busy?: boolean; children: ComponentChildren }) => (
  // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must take focus to scroll by keyboard (WCAG 2.1.1)
  <section class="scroll" tabIndex={0} aria-label={label} aria-busy={busy}>
    {children}
  </section>
);

/** What an action just did (or why it did not), announced politely. */
export const StatusNote = ({ note }: { note: string | undefined }) =>
  note ? (
    <p role="status" class="note">
      {note}
    </p>
  ) : null;
