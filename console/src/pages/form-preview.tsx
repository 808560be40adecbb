import { useEffect, useRef, useState } from 'preact/hooks';
import { PREVIEW_AGAIN, PREVIEW_DATA_ID, TOOK_FOCUS } from '../../../widget/src/preview-protocol.js';
import { api } from '../api.js';
import { useData } from '../data.js';
import { ErrorNote, Loading, Scroll } from '../ui.js';

/** The widget's preview entry (`widget/src/preview.ts`, built with the console): its URL, set by `console/build.ts`. */
declare const PREVIEW_SCRIPT: string;

/** `GET /v1/console/forms/{formId}/preview`: the definitions the widget renders, and the answer to a submission. */
interface PreviewAnswer {
  formId: string;
  views: { title: string; variant?: string; display: { mode: Mode } }[];
  answer: unknown;
}

type Mode = 'inline' | 'popup' | 'slide-in' | 'bar';
const MODES: readonly [Mode, string][] = [
  ['inline', 'Inline'],
  ['popup', 'Popup'],
  ['slide-in', 'Slide-in'],
  ['bar', 'Bar'],
];
/** The screens a preview is drawn at: a phone's width (as the widget's own tests use) and a laptop's. */
const SCREENS = {
  phone: { label: 'Phone (375 px wide)', width: 375, height: 667 },
  desktop: { label: 'Desktop (1,024 px wide)', width: 1024, height: 640 },
} as const;
type Screen = keyof typeof SCREENS;
const SCHEMES = {
  light: { label: 'Light', css: 'color-scheme:light;background:#fff;color:#1f2328' },
  dark: { label: 'Dark', css: 'color-scheme:dark;background:#121417;color:#e8e8e8' },
} as const;

const html = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The page a preview frame shows: a page standing for the marketer's, the form's host in its text, and the
 * preview as JSON for the widget's preview entry (`<` escaped, so no text of the form can end the script
 * element). Its links open apart (`<base target>`): a trial's link leaves the preview be.
 * The frame is `srcdoc`: the console's origin and policy (its own scripts only).
 */
function previewDocument(preview: { view: PreviewAnswer['views'][number]; mode: Mode; answer: unknown }, scheme: keyof typeof SCHEMES): string {
  const json = JSON.stringify(preview).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="${scheme}">
<base target="_blank">
<title>Preview of ${html(preview.view.title)}</title>
<style>:root{${SCHEMES[scheme].css};font:17px/1.6 system-ui,sans-serif}body{margin:0}main{max-width:40rem;margin:0 auto;padding:1rem 1rem 12rem}h1{font-size:1.6rem;line-height:1.25}button{font:inherit;padding:.5rem 1rem}</style>
<script type="application/json" id="${PREVIEW_DATA_ID}">${json}</script>
<script type="module" src="${PREVIEW_SCRIPT}"></script>
</head>
<body>
<main>
<h1>A page of your site</h1>
<p>This page stands for one of yours. The form is drawn by the widget itself, from the definition the API serves, as a visitor on this screen sees it.</p>
<funnel-form></funnel-form>
<p>Nothing here is counted, stored or sent: the form's own checks run, and its button shows what a visitor sees next.</p>
<p><button type="button" ${PREVIEW_AGAIN}>Show the form again</button></p>
</main>
</body>
</html>`;
}

/**
 * A form's live preview: the real widget (its form code and frames) renders each variant's definition,
 * in any display mode (the configured one chosen to begin with), light and dark side by side, on a phone or a desktop.
 */
export function FormPreview({ formId }: { formId: string }) {
  const { data, error, reload } = useData(() => api<PreviewAnswer>(`/v1/console/forms/${encodeURIComponent(formId)}/preview`), [formId]);
  const [variant, setVariant] = useState(0);
  const [mode, setMode] = useState<Mode>();
  // The screen the person is on, to begin with: a desktop-wide frame on a phone is mostly out of view.
  const [screen, setScreen] = useState<Screen>(() => (matchMedia('(max-width: 40rem)').matches ? 'phone' : 'desktop'));
  const view = data?.views[variant] ?? data?.views[0];
  const shown = mode ?? view?.display.mode ?? 'inline';
  const size = SCREENS[screen];
  const value = (e: Event) => (e.target as HTMLSelectElement).value;
  // A previewed popup takes the focus as it opens by itself: the person keeps it where they had it (a
  // control here, or the page's title as the page opened), unless they went into that frame meanwhile.
  const before = useRef<Element | null>(null);
  useEffect(() => {
    const had = document.activeElement;
    before.current = had instanceof HTMLIFrameElement || had === document.body ? null : had;
    const remember = (e: FocusEvent) => e.target instanceof HTMLIFrameElement || (before.current = e.target as Element);
    const giveBack = (e: MessageEvent) => {
      const frame = document.activeElement;
      if (e.origin !== location.origin || e.data !== TOOK_FOCUS || !(frame instanceof HTMLIFrameElement) || frame.contentWindow !== e.source) return;
      const back = before.current?.isConnected ? before.current : document.querySelector('main h1');
      (back as HTMLElement | null)?.focus();
    };
    document.addEventListener('focusin', remember);
    addEventListener('message', giveBack);
    return () => {
      document.removeEventListener('focusin', remember);
      removeEventListener('message', giveBack);
    };
  }, []);
  return (
    <section aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      {error && <ErrorNote error={error} retry={reload} />}
      {!data && !error && <Loading what="the preview" />}
      {data && view && (
        <>
          <p>
            The widget itself draws the form from what the API serves, in a page standing for yours. Nothing is counted or sent: its button shows what a visitor
            sees next.
          </p>
          <div class="choices">
            {data.views.length > 1 && (
              <label>
                Variant
                <select value={variant} onChange={(e) => setVariant(Number(value(e)))}>
                  {data.views.map((v, i) => (
                    <option value={i} key={v.variant}>
                      {v.variant}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label>
              Show as
              <select value={shown} onChange={(e) => setMode(value(e) as Mode)}>
                {MODES.map(([m, label]) => (
                  <option value={m} key={m}>
                    {label}
                    {m === view.display.mode ? ' (as configured)' : ''}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Screen
              <select value={screen} onChange={(e) => setScreen(value(e) as Screen)}>
                {(Object.keys(SCREENS) as Screen[]).map((s) => (
                  <option value={s} key={s}>
                    {SCREENS[s].label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div class="widget-previews">
            {(Object.keys(SCHEMES) as (keyof typeof SCHEMES)[]).map((scheme) => (
              <figure key={scheme} style={{ width: `min(100%, ${size.width + 2}px)` }}>
                <Scroll label={`${SCHEMES[scheme].label} preview`}>
                  <iframe
                    // A new frame for a new screen: the widget sizes a floating form up as it opens (compact on a phone).
                    key={screen}
                    class="widget-preview"
                    title={`${view.title}${view.variant ? ` (variant ${view.variant})` : ''}: ${shown}, ${scheme}, ${screen}`}
                    width={size.width}
                    height={size.height}
                    srcdoc={previewDocument({ view, mode: shown, answer: data.answer }, scheme)}
                  />
                </Scroll>
                <figcaption>{SCHEMES[scheme].label}</figcaption>
              </figure>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
