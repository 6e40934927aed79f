// `npm run vendor:supabase -- --out <folder>` (repository root): the starter as a folder of its
// own, deployable before the @jobgate/* packages are on the npm registry. Copies the starter
// to <folder> (unless a copy is already there: then only the generated parts are refreshed),
// bundles the function's @jobgate/* code into supabase/functions/_vendor/jobgate and points the
// function's deno.json at it, packs the front end's @jobgate/* packages into vendor/, and writes
// jobgate's migration (supabase/migrations/20260201000000_jobgate.sql, not kept in this
// repository) when the copy has none.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { REPO_ROOT, STARTER_DIR } from './jobgatePackages.ts';
import { VENDOR_DIR, vendorFunctions } from './vendorFunction.ts';
import { TARBALL_DIR, vendorPackages } from './vendorPackages.ts';

/** What a copy never takes from the repository's starter: installs, builds, secrets, this step. */
const NOT_COPIED = [
  'node_modules',
  'standalone',
  TARBALL_DIR,
  VENDOR_DIR,
  join('web', 'dist'),
  join('supabase', '.temp'),
  join('supabase', '.branches'),
];
/** Writes jobgate's Supabase migration from the packages' sources (see its header). */
const BUILD_MIGRATION = join(REPO_ROOT, 'packages', 'supabase', 'scripts', 'buildMigrations.mjs');
const isSecret = (name: string) => /^\.env(\..+)?$/.test(name) && name !== '.env.example';

/** The lines of the starter's .gitignore that only hold inside this repository. */
const REPOSITORY_ONLY = /# jobgate repository only[^\n]*\n(?:[^\n]+\n)*?# end\n/;

export interface VendoredStarter {
  out: string;
  /** True when the folder was created by this run (false: an existing copy was refreshed). */
  copied: boolean;
}

/** Copies (or refreshes) the standalone starter at `out`, which must be outside the repository. */
export async function vendorStarter(out: string): Promise<VendoredStarter> {
  const inside = relative(REPO_ROOT, out);
  if (!inside.startsWith(`..${sep}`) && inside !== '..' && !isAbsolute(inside)) {
    // Inside the repository the starter is a workspace member: its packages are the workspace's.
    throw new Error(`--out must be outside the jobgate repository (${REPO_ROOT}), got ${out}`);
  }
  const copied = !existsSync(out) || readdirSync(out).length === 0;
  if (copied) {
    cpSync(STARTER_DIR, out, {
      recursive: true,
      filter: (source) => {
        const path = relative(STARTER_DIR, source);
        const name = path.split(sep).pop() ?? '';
        return !NOT_COPIED.some((skip) => path === skip) && !isSecret(name);
      },
    });
    const ignore = join(out, '.gitignore');
    if (existsSync(ignore)) {
      // In your copy the generated files are yours to commit: a fresh clone of your
      // repository installs and deploys from them.
      writeFileSync(ignore, readFileSync(ignore, 'utf8').replace(REPOSITORY_ONLY, ''));
    }
  } else if (!existsSync(join(out, 'supabase', 'functions'))) {
    throw new Error(`${out} is neither empty nor a copy of the starter (no supabase/functions)`);
  }
  const migrations = join(out, 'supabase', 'migrations');
  if (!readdirSync(migrations).some((name) => name.endsWith('_jobgate.sql'))) {
    // Once in a copy, it is one of its migrations: a refresh never rewrites it (an upgrade of
    // jobgate is a new migration, docs/production.md).
    execFileSync(process.execPath, [BUILD_MIGRATION, '--out', migrations], { stdio: 'ignore' });
  }
  await vendorFunctions(out);
  await vendorPackages(out);
  return { out, copied };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || !values.out) {
    process.stdout.write(`npm run vendor:supabase -- --out <folder>

  --out   where the standalone starter goes, outside this repository: created when missing or
          empty; an existing copy keeps its own files and gets fresh generated ones
          (${VENDOR_DIR}, ${TARBALL_DIR}/, the import map, the @jobgate/* dependencies)
`);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  // `npm run` starts this in the starter's folder; --out is relative to where it was typed.
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
  const started = Date.now();
  const { copied } = await vendorStarter(out);
  process.stdout.write(`${copied ? 'copied the starter to' : 'refreshed'} ${out} in ${((Date.now() - started) / 1000).toFixed(1)} s
  ${VENDOR_DIR}/   the function's @jobgate/* code, with its types
  ${TARBALL_DIR}/                          the front end's @jobgate/* packages (npm pack)

next: cd ${out} && npm install   (docs/supabase.md)
`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
