import { useCallback, useEffect, useRef, useState } from 'react';
import { Poller, type PollState } from './poller.ts';
import { useUiConfig } from './ui-config.tsx';

export interface Polled<T> extends PollState<T> {
  /** Loads again now, e.g. after a change the page made. */
  reload(): void;
}

/**
 * The one polling hook: loads `load()` now and every `pollMs` (the app's setting), again
 * from scratch whenever `key` changes; the last good data stays beside a refresh's error.
 * `load` may change on every render: the latest one is used.
 */
export function usePoll<T>(load: () => Promise<T>, key: string): Polled<T> {
  const { describeError, pollMs } = useUiConfig();
  const [state, setState] = useState<PollState<T>>({
    data: undefined,
    error: null,
    loadedAt: null,
  });
  const loadRef = useRef(load);
  const describeRef = useRef(describeError);
  const poller = useRef<Poller<T> | null>(null);
  useEffect(() => {
    loadRef.current = load;
    describeRef.current = describeError;
  });
  useEffect(() => {
    setState({ data: undefined, error: null, loadedAt: null });
    const p = new Poller<T>({
      load: () => loadRef.current(),
      intervalMs: pollMs,
      describe: (err) => describeRef.current(err),
      onChange: setState,
    });
    poller.current = p;
    p.start();
    return () => {
      p.stop();
      if (poller.current === p) poller.current = null;
    };
  }, [key, pollMs]);
  const reload = useCallback(() => poller.current?.reload(), []);
  return { ...state, reload };
}
