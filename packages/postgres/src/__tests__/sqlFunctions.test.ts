import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LIVE_SQL_FILES } from '../migrationFiles.js';
import { SQL_FUNCTIONS, sqlCall, toRpcArgs, toSqlQuery } from '../sqlFunctions.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** How the table spells each SQL type of `sql/*.sql`. */
const TYPE: Record<string, string> = {
  text: 'text',
  jsonb: 'jsonb',
  bigint: 'bigint',
  integer: 'int',
  numeric: 'numeric',
  'double precision': 'float',
  boolean: 'bool',
};

/** Each function's parameters as the live SQL declares them: name → type (`?`: has a DEFAULT). */
function declared(): Map<string, Record<string, string>> {
  const text = LIVE_SQL_FILES.map((f) => readFileSync(join(pkg, 'sql', f), 'utf8')).join('\n');
  const functions = new Map<string, Record<string, string>>();
  for (const [, name, list] of text.matchAll(
    /CREATE OR REPLACE FUNCTION (jobgate_\w+)\(([^)]*)\)/g,
  )) {
    const params: Record<string, string> = {};
    for (const param of list!.split(',').map((p) => p.trim().replace(/\s+/g, ' '))) {
      if (param === '') continue;
      const m = /^(\w+) (.+?)( DEFAULT .+)?$/.exec(param);
      if (!m) throw new Error(`cannot read parameter "${param}" of ${name}`);
      params[m[1]!] = `${TYPE[m[2]!] ?? m[2]}${m[3] ? '?' : ''}`;
    }
    functions.set(name!, params);
  }
  return functions;
}

describe('SQL_FUNCTIONS, the table of the SQL functions the stores call', () => {
  it('matches sql/*.sql: each function exists with exactly these parameters, in this order', () => {
    const live = declared();
    for (const [name, params] of Object.entries(SQL_FUNCTIONS)) {
      expect(live.has(name), `${name} is not defined in sql/`).toBe(true);
      // Entries (not the objects) so that the order is compared too.
      expect(Object.entries(params), name).toEqual(Object.entries(live.get(name)!));
    }
  });

  it('writes a SQL call in named notation, JSON as text, leaving out defaults not given', () => {
    const call = sqlCall('jobgate_finish', {
      p_id: 'a',
      p_status: 'completed',
      p_output: null,
      p_error_code: null,
      p_error_message: undefined,
      p_from: ['running'],
      p_limits: { defaultPoolCap: 1 },
      p_now: 5,
    });
    expect(toSqlQuery(call, 's')).toEqual({
      text:
        'SELECT "s".jobgate_finish(p_id => $1::text, p_status => $2::text, ' +
        'p_output => $3::text::jsonb, p_error_code => $4::text, p_error_message => $5::text, ' +
        'p_from => $6::text::jsonb, p_limits => $7::text::jsonb, p_now => $8::bigint) AS r',
      // A jsonb null is the JSON value null; undefined is SQL NULL.
      params: ['a', 'completed', 'null', null, null, '["running"]', '{"defaultPoolCap":1}', 5],
    });
    expect(toRpcArgs(call)).toEqual({
      p_id: 'a',
      p_status: 'completed',
      p_output: null,
      p_error_code: null,
      p_error_message: null,
      p_from: ['running'],
      p_limits: { defaultPoolCap: 1 },
      p_now: 5,
    });
  });
});
