import { useCallback, useEffect, useState } from 'preact/hooks';
import { problemOf } from './api.js';

/** Load something for a view: its value, its error, whether it is loading, and a way to load it again. */
export function useData<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: Error; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { ...state, reload: useCallback(() => setRound((r) => r + 1), []) };
}

/**
 * An action whose outcome the page says in a status note: what it did (`done`'s words for its answer), or
 * why not (`failed`, then the API's words). `busy` while it runs, so its button can wait.
 */
export function useAction(): { note?: string; busy: boolean; act: <T>(call: () => Promise<T>, done: (out: T) => string, failed: string) => Promise<void> } {
  const [note, setNote] = useState<string>();
  const [busy, setBusy] = useState(false);
  const act = useCallback(async <T>(call: () => Promise<T>, done: (out: T) => string, failed: string) => {
    setBusy(true);
    try {
      setNote(done(await call()));
    } catch (e) {
      setNote(`${failed}: ${problemOf(e)}`);
    } finally {
      setBusy(false);
    }
  }, []);
  return { note, busy, act };
}
