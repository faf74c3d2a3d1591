import { type DependencyList, useCallback, useEffect, useState } from 'react';
import { describeError } from '../api/client';

/** Load data for a page: the data, the error text, whether it is loading, and a reload. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList) {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names what the load depends on.
  const run = useCallback(load, deps);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `round` is how `reload` asks for another load.
  useEffect(() => {
    let active = true;
    setState((s) => ({ ...s, loading: true }));
    run().then(
      (data) => active && setState({ data, loading: false }),
      (err: unknown) => active && setState({ error: describeError(err), loading: false }),
    );
    return () => {
      active = false;
    };
  }, [run, round]);
  return { ...state, reload: () => setRound((r) => r + 1) };
}
