import { schemaJsonIsCurrent } from './write_schema';

describe('common/features/schema.json', () => {
  it('matches schema.ts (Python trains on exactly what serving computes)', () => {
    expect(schemaJsonIsCurrent()).toBe(true);
  });
});
