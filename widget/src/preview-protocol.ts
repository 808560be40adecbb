/**
 * What the console's live preview and the widget's preview entry (`preview.ts`) agree on. No imports: the
 * console takes these words without taking any widget code into its own bundle.
 */

/** The id of the `<script type="application/json">` that holds the preview in the preview's page. */
export const PREVIEW_DATA_ID = 'funnel-preview';

/** An element with this attribute shows the form afresh (after it was closed or submitted). */
export const PREVIEW_AGAIN = 'data-funnel-preview-again';

/** What the preview tells the console (`postMessage` to its own origin, `'/'`: a srcdoc frame's location has none) when its popup took the focus by opening by itself. */
export const TOOK_FOCUS = 'funnel-preview:took-focus';
