import { stringMemo } from './string_memo';

describe('stringMemo', () => {
  it('computes each string once and returns the remembered value after', () => {
    const calls: string[] = [];
    const upper = stringMemo((s) => {
      calls.push(s);
      return s.toUpperCase();
    });
    expect([upper('a'), upper('b'), upper('a'), upper('a')]).toEqual(['A', 'B', 'A', 'A']);
    expect(calls).toEqual(['a', 'b']);
  });

  it('remembers undefined results too', () => {
    let n = 0;
    const none = stringMemo((): undefined => {
      n++;
      return undefined;
    });
    none('x');
    none('x');
    expect(n).toBe(1);
  });

  it('starts over when full, so memory stays bounded, and still answers correctly', () => {
    const calls: string[] = [];
    const len = stringMemo((s) => {
      calls.push(s);
      return s.length;
    }, 2);
    expect([len('a'), len('bb'), len('ccc'), len('a'), len('ccc')]).toEqual([1, 2, 3, 1, 3]);
    // 'ccc' filled past capacity 2: the memo restarted with it, so 'a' was computed again and 'ccc' was not.
    expect(calls).toEqual(['a', 'bb', 'ccc', 'a']);
  });
});
