// Type tests of defineTool: the mistakes of a tool's definition fail to compile there (each
// expected error below must be an error, checked by `tsc`), and what a page needs is carried
// as plain data (`tool.form`), checked at run time.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../domain/tool.js';

const input = z
  .object({
    image: z.string().min(1),
    mode: z.enum(['fast', 'fine']).default('fast'),
    strength: z.number().min(0).max(1).optional(),
    steps: z.number().int().min(1).max(50).optional(),
    prompt: z.string().max(200).optional(),
    count: z.number(),
  })
  .strict();

const base = { id: 'remover', input, creditCost: 10, maxRunMs: 60_000 } as const;

function definitionTypes() {
  const tool = defineTool({
    ...base,
    files: { image: { accept: ['image/png'], maxBytes: 1024 } },
    fields: { image: { label: 'Image' }, mode: { label: 'Mode', help: 'fast or fine' } },
  });
  expectTypeOf(tool.files).toEqualTypeOf<readonly 'image'[]>();
  expectTypeOf(defineTool({ ...base, files: ['image'] }).files).toEqualTypeOf<readonly 'image'[]>();
  // @ts-expect-error a file field the input schema does not have
  defineTool({ ...base, files: ['imag'] });
  // @ts-expect-error a file field that is not a string field (count is a number)
  defineTool({ ...base, files: { count: { accept: [], maxBytes: null } } });
  // @ts-expect-error a label for a field the input schema does not have
  defineTool({ ...base, files: ['image'], fields: { colour: { label: 'Colour' } } });
  return tool;
}

describe('defineTool types', () => {
  it('are checked by the compiler, and the page description is plain data', () => {
    expect(typeof definitionTypes).toBe('function');
    const tool = definitionTypes();
    expect(JSON.parse(JSON.stringify(tool.form))).toEqual(tool.form);
    expect(tool.fileRules).toEqual({ image: { accept: ['image/png'], maxBytes: 1024 } });
    expect(tool.form.fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['image', 'file', true],
      ['mode', 'choice', false],
      ['strength', 'number', false],
      ['steps', 'number', false],
      ['prompt', 'text', false],
      ['count', 'number', true],
    ]);
    const [image, mode, strength, steps, prompt] = tool.form.fields;
    expect(image).toMatchObject({
      label: 'Image',
      file: { accept: ['image/png'], maxBytes: 1024 },
    });
    expect(mode).toMatchObject({
      label: 'Mode',
      help: 'fast or fine',
      choices: ['fast', 'fine'],
      default: 'fast',
    });
    expect(strength).toMatchObject({ label: 'strength', min: 0, max: 1 });
    expect(steps).toMatchObject({ integer: true, min: 1, max: 50 });
    expect(prompt).toMatchObject({ maxLength: 200 });
  });

  it('keeps a plain files list: any type and size', () => {
    const tool = defineTool({ ...base, name: 'Remover', files: ['image'] });
    expect(tool.files).toEqual(['image']);
    expect(tool.fileRules.image).toEqual({ accept: [], maxBytes: null });
    expect(tool.form).toMatchObject({ id: 'remover', name: 'Remover', description: '' });
  });
});
