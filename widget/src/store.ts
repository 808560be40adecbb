/**
 * The widget's only persistence: localStorage, under `funnel:` keys (no cookie is ever set).
 * `kv(key)` reads, `kv(key, value)` writes, `kv(key, null)` removes; each answers the value now stored (null: none).
 * Storage throws where it is blocked (some privacy modes): then every read is empty and every write is
 * dropped, quietly, and the widget works without memory.
 */
export const kv = (key: string, value?: string | null): string | null | undefined => {
  try {
    const s = localStorage;
    if (value === null) s.removeItem(key);
    else if (value !== undefined) s.setItem(key, value);
    return s.getItem(key);
  } catch {}
};

/** `funnel:vt:<API base URL>`: the visitor token a submission with marketing consent returned. */
export const TOKEN = 'funnel:vt:';
/** `funnel:seen:<formId>`: when a popup, slide-in or bar last opened (epoch ms), for the frequency cap. */
export const SEEN = 'funnel:seen:';
/** `funnel:done:<formId>`: this browser submitted the form. */
export const DONE = 'funnel:done:';
/** `funnel:ab`: this browser's A/B bucket, a random number from 0 to 99; it names nobody. */
export const ID = 'funnel:ab';
