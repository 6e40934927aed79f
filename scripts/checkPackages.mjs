// Builds every public package (unless its build is up to date), then runs publint and
// arethetypeswrong on each.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildPackages, publicPackages } from './buildPackages.mjs';

const root = new URL('..', import.meta.url).pathname;
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });
const bin = (name) => join(root, 'node_modules', '.bin', name);

const built = await buildPackages();
if (built.length > 0) console.log(`built ${built.join(', ')}`);

const packages = publicPackages();
let failed = 0;
for (const { dir, name } of packages) {
  console.log(`\n— ${name}`);
  try {
    run(bin('publint'), ['--strict'], dir);
    run(bin('attw'), ['--pack', '.', '--profile', 'node16', '--format', 'table-flipped'], dir);
  } catch {
    failed++;
    console.error(`✗ ${name}`);
  }
}
if (failed > 0) {
  console.error(`\n${failed} package(s) failed the packaging checks`);
  process.exit(1);
}
console.log(`\n${packages.length} packages passed publint and attw`);
