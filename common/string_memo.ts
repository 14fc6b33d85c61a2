/**
 * A bounded memo for a pure function of one string. Per-event normalisations (a host name to its key, a channel to
 * its class) see the same few hundred strings millions of times; a Map lookup (strings cache their hash) is much
 * cheaper than lower-casing and slicing again. When the memo is full it starts over, so memory stays bounded
 * whatever the input. Isomorphic: no Node or browser APIs here.
 */
export function stringMemo<T>(fn: (s: string) => T, capacity = 4096): (s: string) => T {
  let memo = new Map<string, T>();
  return (s: string): T => {
    const hit = memo.get(s);
    if (hit !== undefined || memo.has(s)) return hit as T;
    const v = fn(s);
    if (memo.size >= capacity) memo = new Map();
    memo.set(s, v);
    return v;
  };
}
