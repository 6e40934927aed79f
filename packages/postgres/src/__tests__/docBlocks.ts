import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The runnable ```sql blocks of docs/credits.md, in order: the tests run exactly this text. */
export function creditsDocSql(): string[] {
  const page = readFileSync(
    fileURLToPath(new URL('../../../../docs/credits.md', import.meta.url)),
    'utf8',
  );
  return [...page.matchAll(/^```sql\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}
