import { describe, expect, it } from 'vitest';
// docs/tools.md quotes this file as its worked example:
// examples/supabase/supabase/functions/_shared/tools/vesteAi.ts, and registers it in
// examples/supabase/supabase/functions/_shared/tools.ts (re-exported by ./index.js).
import { vesteAi, vesteAiInput } from '../../supabase/supabase/functions/_shared/tools/vesteAi.ts';
import { tools } from './index.js';

describe('the worked example of docs/tools.md (Veste AI)', () => {
  it('is registered once, in the list the function serves', () => {
    expect(tools.filter((t) => t.id === 'veste-ai')).toEqual([vesteAi]);
  });

  it('validates its input, prices on the server and maps to its RunningHub app', async () => {
    const input = await vesteAi.parse({
      person: 'veste-ai/u/j/person.webp',
      clothing: 'veste-ai/u/j/shirt.webp',
    });
    expect(vesteAi.price(input)).toBe(60);
    expect(vesteAi.files).toEqual(['person', 'clothing']);
    expect(vesteAi.provider.target(input)).toEqual({
      webappId: '2018755100210106369',
      nodeInfoList: [
        { nodeId: '41', fieldName: 'image', fieldValue: 'veste-ai/u/j/person.webp' },
        { nodeId: '43', fieldName: 'image', fieldValue: 'veste-ai/u/j/shirt.webp' },
      ],
    });
    await expect(vesteAi.parse({ person: 'p.webp' })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(vesteAiInput.safeParse({ person: 'a', clothing: 'b', extra: 1 }).success).toBe(false);
  });
});
