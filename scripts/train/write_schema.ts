/**
 * Writes common/features/schema.json (what Python reads) from common/features/schema.ts.
 * Run: npx tsx scripts/train/write_schema.ts [--check]   (--check: exit 1 when the committed file is stale)
 */
import * as fs from 'fs';
import * as path from 'path';
import { schemaJson } from '../../common/features/schema';

export const SCHEMA_JSON_PATH = path.resolve(__dirname, '..', '..', 'common', 'features', 'schema.json');

export function renderSchemaJson(): string {
  return JSON.stringify(schemaJson(), null, 2) + '\n';
}

/** Compares content, not layout (prettier formats the committed file). */
export function schemaJsonIsCurrent(): boolean {
  if (!fs.existsSync(SCHEMA_JSON_PATH)) return false;
  return (
    JSON.stringify(JSON.parse(fs.readFileSync(SCHEMA_JSON_PATH, 'utf8'))) === JSON.stringify(schemaJson())
  );
}

if (require.main === module) {
  const text = renderSchemaJson();
  if (process.argv.includes('--check')) {
    if (!schemaJsonIsCurrent()) {
      console.error(`${SCHEMA_JSON_PATH} is stale: run npx tsx scripts/train/write_schema.ts`);
      process.exit(1);
    }
  } else fs.writeFileSync(SCHEMA_JSON_PATH, text);
}
