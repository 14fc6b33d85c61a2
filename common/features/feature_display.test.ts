import { featureDisplayValue } from './schema';

describe('featureDisplayValue', () => {
  it('turns log1p counts and byte totals back into the numbers an analyst counts', () => {
    expect(featureDisplayValue('count_proc_access', Math.log1p(2))).toBe(2);
    expect(featureDisplayValue('distinct_dest_ips', Math.log1p(41))).toBe(41);
    expect(featureDisplayValue('out_bytes_log', Math.log1p(4_310_000_000))).toBe(4_310_000_000);
  });

  it('leaves ratios, hours, flags and entropies as they are (rounded)', () => {
    expect(featureDisplayValue('failure_ratio', 0.66666)).toBe(0.667);
    expect(featureDisplayValue('hour_of_day', 13.5)).toBe(13.5);
    expect(featureDisplayValue('dns_entropy_max', 3.98765)).toBe(3.988);
    expect(featureDisplayValue('is_user', 1)).toBe(1);
  });

  it('treats a name outside the window schema as a plain value', () => {
    expect(featureDisplayValue('something_else', Math.log1p(2))).toBe(1.099);
  });
});
