// docs/react.md against the package: every hook @jobgate/react exports is in the guide's
// hook table, the table lists nothing else, and the text does not count the hooks in words
// (it said "four hooks" while listing six).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import * as react from '../index.js';
import * as credits from '../useCredits.js';

const guide = readFileSync(
  fileURLToPath(new URL('../../../../docs/react.md', import.meta.url)),
  'utf8',
);

it('docs/react.md lists every hook of @jobgate/react, and only those', () => {
  const deprecated = new Set(['useJobRunner']);
  const hooks = [...Object.keys(react), ...Object.keys(credits)]
    .filter(
      (name) => /^use[A-Z]/.test(name) && !deprecated.has(name) && name !== 'useJobGateConfig',
    )
    .sort();
  const table = guide.slice(
    guide.indexOf('## The hooks'),
    guide.indexOf('## The generic tool form'),
  );
  const listed = [...table.matchAll(/^\| `(use\w+)\(/gm)].map((m) => m[1]).sort();
  expect(listed).toEqual(hooks);
  expect(guide).not.toMatch(/\b(two|three|four|five|six|seven|eight|nine|ten) hooks\b/i);
  for (const name of ['run(input, files)', 'Uploader', 'useCredits', 'ToolForm']) {
    expect(guide).toContain(name);
  }
});
