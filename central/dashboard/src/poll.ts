import { useCallback, useEffect, useRef, useState } from 'react';
import { errorCode, errorText } from './api.ts';

/** How often every screen refreshes itself. */
export const POLL_MS = 5_000;

export interface Polled<T> {
  data: T | undefined;
  /** The last refresh's failure in words; the last good data stays shown beside it. */
  error: string | null;
  reload(): void;
}

/** Listeners told when a call comes back UNAUTHORIZED (the session ended). */
const signedOut = new Set<() => void>();
export function onSignedOut(listener: () => void): () => void {
  signedOut.add(listener);
  return () => signedOut.delete(listener);
}
export function reportFailure(err: unknown): string {
  if (errorCode(err) === 'UNAUTHORIZED') for (const l of signedOut) l();
  return errorText(err);
}

/** Loads `load()` now and every {@link POLL_MS}, again whenever `key` changes. */
export function usePoll<T>(load: () => Promise<T>, key: string): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    setData(undefined);
    setError(null);
  }, [key]);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const value = await loadRef.current();
        if (!live) return;
        setData(value);
        setError(null);
      } catch (err) {
        if (live) setError(reportFailure(err));
      }
      if (live) timer = setTimeout(() => void run(), POLL_MS);
    };
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, tick]);
  return { data, error, reload };
}
