// @vitest-environment happy-dom
import type { JsonObject } from '@jobgate/core/client';
import { invalidInputs, sampleInputs } from '@jobgate/example-tools';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { useQuote } from '../useQuote.js';
import { setupRealServer } from './realServerSetup.js';

afterEach(cleanup);

function Price({ tool, input }: { tool: string; input: JsonObject }) {
  const quote = useQuote(tool, input);
  return (
    <div>
      <p data-testid="price">{quote.data ? `${quote.data.tool}: ${quote.data.credits}` : '…'}</p>
      {quote.error && <p role="alert">{quote.error.code}</p>}
    </div>
  );
}

const price = () => screen.getByTestId('price').textContent;
const upscaler = (version: string): JsonObject => ({ ...sampleInputs.upscaler, version });

describe('useQuote against @jobgate/server', () => {
  it('shows the registry’s price and reads it again only when the input changes', async () => {
    const { wrap, count, sim } = setupRealServer();
    const view = render(wrap(<Price tool="upscaler" input={upscaler('standard')} />));
    expect(price()).toBe('…');
    await waitFor(() => expect(price()).toBe('upscaler: 60'));
    view.rerender(wrap(<Price tool="upscaler" input={upscaler('pro')} />));
    await waitFor(() => expect(price()).toBe('upscaler: 80'));
    // A new object with the same input asks nothing.
    view.rerender(wrap(<Price tool="upscaler" input={upscaler('pro')} />));
    view.rerender(
      wrap(<Price tool="video-upscaler" input={{ ...sampleInputs['video-upscaler'] }} />),
    );
    await waitFor(() => expect(price()).toBe('video-upscaler: 150'));
    expect(count('POST /quote')).toBe(3);
    // Quoting writes nothing: no job, no file.
    expect(sim.store.snapshot()).toEqual([]);
    expect(sim.storage.files.size).toBe(0);
  });

  it('an input the tool refuses is a VALIDATION error; a valid one clears it', async () => {
    const { wrap } = setupRealServer();
    const view = render(wrap(<Price tool="veste-ai" input={{ ...invalidInputs['veste-ai'] }} />));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('VALIDATION'));
    expect(price()).toBe('…');
    view.rerender(wrap(<Price tool="veste-ai" input={{ ...sampleInputs['veste-ai'] }} />));
    await waitFor(() => expect(price()).toBe('veste-ai: 60'));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a late answer for an older input is dropped: the price shown is the current input’s', async () => {
    let releaseStandard!: () => void;
    const held = new Promise<void>((resolve) => (releaseStandard = resolve));
    let standardAnswered = false;
    const { wrap } = setupRealServer({
      fetch: async (request, next) => {
        const body = request.method === 'POST' ? await request.text() : '';
        if (!body.includes('"standard"')) return next();
        await held;
        const response = await next();
        standardAnswered = true;
        return response;
      },
    });
    const view = render(wrap(<Price tool="upscaler" input={upscaler('standard')} />));
    view.rerender(wrap(<Price tool="upscaler" input={upscaler('pro')} />));
    await waitFor(() => expect(price()).toBe('upscaler: 80'));
    releaseStandard();
    await waitFor(() => expect(standardAnswered).toBe(true));
    await new Promise((r) => setTimeout(r, 20));
    expect(price()).toBe('upscaler: 80');
  });
});
