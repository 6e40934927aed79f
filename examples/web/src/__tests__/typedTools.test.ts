// Type tests: the tools' types flow from defineTool to the hooks and the client without
// their code. Checked by `tsc` (the @ts-expect-error lines must be errors); at run time the
// functions below are never called.
import {
  type ClientFile,
  createJobClient,
  fetchTransport,
  type ToolId,
  type ToolInput,
  type TypedJobClient,
} from '@jobgate/core/client';
import type { tools } from '@jobgate/example-tools';
import type { RunningHubOutput } from '@jobgate/runninghub';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { useToolRunner } from '../pages/toolRunner.js';

type Tools = typeof tools;
const file = new Blob(['x'], { type: 'image/png' });

// A hook (never called) so that the hooks inside follow the rules of hooks.
function useHookTypes() {
  const veste = useToolRunner('veste-ai');
  expectTypeOf(veste.run).parameters.toEqualTypeOf<
    [input: Record<string, never>, files: { person: ClientFile; clothing: ClientFile }]
  >();
  expectTypeOf(veste.output).toEqualTypeOf<RunningHubOutput | null>();
  void veste.run({}, { person: file, clothing: file });
  // @ts-expect-error a missing file field
  void veste.run({}, { person: file });
  // @ts-expect-error an unknown tool id
  useToolRunner('vest-ai');

  const upscaler = useToolRunner('upscaler');
  void upscaler.run({ category: 'comida', version: 'pro', detail: 0.8 }, { image: file });
  // Defaults of the schema make these optional on the client.
  void upscaler.run({}, { image: file });
  // @ts-expect-error a category the schema does not know
  void upscaler.run({ category: 'cars' }, { image: file });
  // @ts-expect-error a wrong type for a field
  void upscaler.run({ resolution: 1000 }, { image: file });
  // @ts-expect-error the file goes in files, not in the input
  void upscaler.run({ image: 'upscaler/u/j/image.png' }, { image: file });

  const video = useToolRunner('video-upscaler');
  void video.run({}, { video: file });
  // @ts-expect-error an input field the tool does not have
  void video.run({ fps: 60 }, { video: file });
}

function clientTypes() {
  const client = createJobClient({
    transport: fetchTransport({ baseUrl: 'http://localhost/api' }),
  }) as TypedJobClient<Tools, RunningHubOutput>;
  void client.run('pose-changer', {}, { person: file, reference: file });
  // @ts-expect-error an unknown tool id
  void client.run('pose', {}, { person: file, reference: file });
  // @ts-expect-error Veste AI's second file is `clothing`
  void client.run('veste-ai', {}, { person: file, reference: file });
  // The ids come from the tools list: a new tool adds its own, and each stays a literal, so
  // an id no tool has is an error (above) rather than any string.
  expectTypeOf<ToolId<Tools>>().toEqualTypeOf<Tools[number]['id']>();
  expectTypeOf<'veste-ai'>().toExtend<ToolId<Tools>>();
  expectTypeOf<string>().not.toExtend<ToolId<Tools>>();
  expectTypeOf<ToolInput<Tools[3]>>().toEqualTypeOf<Record<string, never>>();
  expectTypeOf<ToolInput<Tools[0]>>().toHaveProperty('version');
  expectTypeOf<ToolInput<Tools[0]>>().not.toHaveProperty('image');
}

describe('typed tools', () => {
  it('are checked by the compiler (this file typechecks only if the types hold)', () => {
    expect(typeof useHookTypes).toBe('function');
    expect(typeof clientTypes).toBe('function');
  });
});
