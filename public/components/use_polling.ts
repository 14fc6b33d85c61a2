import { useCallback, useEffect, useState } from 'react';

/** Loads data now and every `intervalSeconds`; keeps the last good data while a refresh fails. */
export function usePolling<T>(load: () => Promise<T>, intervalSeconds: number, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const run = useCallback(load, deps);
  useEffect(() => {
    let cancelled = false;
    const tick = () =>
      run().then(
        (d) => {
          if (cancelled) return;
          setData(d);
          setError(undefined);
          setLoading(false);
        },
        (e: unknown) => {
          if (cancelled) return;
          setError(e instanceof Error ? e.message : String(e));
          setLoading(false);
        },
      );
    tick();
    const t = setInterval(tick, intervalSeconds * 1000);
    return () => {
      cancelled = true;
      clearInterval(t);
    };
  }, [run, intervalSeconds]);
  return { data, error, loading };
}
