// Builds every public package, then runs publint and arethetypeswrong on each.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const dirs = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      return !pkg.private && pkg.scripts?.build;
    } catch {
      return false;
    }
  });

const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: 'inherit' });
const bin = (name) => join(root, 'node_modules', '.bin', name);

let failed = 0;
for (const dir of dirs) {
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  console.log(`\n— ${name}`);
  try {
    run('npm', ['run', 'build', '--silent'], dir);
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
console.log(`\n${dirs.length} packages passed publint and attw`);
