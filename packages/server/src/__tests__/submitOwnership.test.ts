import { SAMPLE_FILE_NAMES, SAMPLE_PNG } from '@jobgate/example-tools';
import { describe, expect, it } from 'vitest';
import { setup, TOKENS, TOOL_IDS, type ToolId, uuid } from './harness.js';

const JOB = uuid(1);
const OTHER_JOB = uuid(2);

/**
 * Paths a file field of alice's job JOB must refuse, each naming a file that exists in the
 * storage (so the refusal is about whose file it is, not a missing one).
 */
function foreignPaths(
  tool: ToolId,
  name: string,
  { upload, storage }: ReturnType<typeof setup>,
): Record<string, string> {
  const otherTool = TOOL_IDS.find((t) => t !== tool)!;
  const otherToolInput = upload(otherTool, JOB) as Record<string, string>;
  const firstField = Object.keys(SAMPLE_FILE_NAMES[otherTool])[0]!;
  const paths = {
    "another user's upload": `${tool}/bob/${JOB}/${name}`,
    "another tool's upload": otherToolInput[firstField]!,
    "another job's upload": `${tool}/alice/${OTHER_JOB}/${name}`,
    "the job's own result": `${tool}/alice/${JOB}/output-1.png`,
    'a path that climbs out': `${tool}/alice/${JOB}/../../bob/${JOB}/${name}`,
  };
  upload(tool, JOB, 'bob');
  upload(tool, OTHER_JOB);
  storage.put(paths["the job's own result"], SAMPLE_PNG);
  storage.put(paths['a path that climbs out'], SAMPLE_PNG);
  return paths;
}

describe.each(TOOL_IDS)(
  'POST /jobs refuses files that are not this job’s upload, tool %s',
  (tool) => {
    const fields = Object.entries(SAMPLE_FILE_NAMES[tool]);

    it.each(fields)(
      'field %s: VALIDATION, no row, nothing read, then the own upload runs',
      async (field, name) => {
        const harness = setup({ rateLimits: { submit: null } });
        const { call, store, storage, provider, upload } = harness;
        const own = upload(tool, JOB) as Record<string, unknown>;
        for (const [why, path] of Object.entries(foreignPaths(tool, name, harness))) {
          expect(storage.files.has(path), why).toBe(true);
          // Only this field is foreign; every other field is the job's own upload.
          const r = await call('POST', '/jobs', {
            body: { jobId: JOB, tool, input: { ...own, [field]: path } },
          });
          expect(r.status, why).toBe(400);
          expect(r.body?.error, why).toMatchObject({ code: 'VALIDATION', jobId: JOB });
          expect(r.body?.error?.message, why).toContain(field);
          expect(store.snapshot(), why).toEqual([]);
        }
        // Nothing reached the provider, and the refusals left no trace: the same id now runs.
        expect(provider.uploads).toEqual([]);
        const ok = await call('POST', '/jobs', { body: { jobId: JOB, tool, input: own } });
        expect(ok.status).toBe(200);
        expect(ok.body?.job).toMatchObject({ id: JOB, status: 'running', userId: 'alice' });
        expect(provider.uploads.map((u) => u.field).sort()).toEqual(fields.map(([f]) => f).sort());
      },
    );

    it("bob cannot submit alice's upload as his own job", async () => {
      const { call, store, upload } = setup();
      const alices = upload(tool, JOB);
      const r = await call('POST', '/jobs', {
        token: TOKENS.bob,
        body: { jobId: JOB, tool, input: alices },
      });
      expect(r.status).toBe(400);
      expect(r.body?.error).toMatchObject({ code: 'VALIDATION', jobId: JOB });
      expect(store.snapshot()).toEqual([]);
    });
  },
);
