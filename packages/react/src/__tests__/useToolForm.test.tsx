// @vitest-environment happy-dom
import { poseChanger, upscaler } from '@jobgate/example-tools';
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptText, fileProblem } from '../fileProblem.js';
import { ToolForm } from '../toolFormView.js';
import { useToolForm } from '../useToolForm.js';
import { setupRealServer } from './realServerSetup.js';

afterEach(cleanup);

const png = (bytes = 8) => new File([new Uint8Array(bytes)], 'a.png', { type: 'image/png' });
const field = (form: ReturnType<typeof useToolForm>, name: string) =>
  form.fields.find((f) => f.name === name)!;

describe('useToolForm', () => {
  it('builds the fields from the tool description: files, choices, bounded numbers, optional', () => {
    const { wrap } = setupRealServer();
    const { result } = renderHook(() => useToolForm(upscaler), {
      wrapper: ({ children }) => wrap(children),
    });
    const form = result.current;
    expect(form.fields.map((f) => `${f.name}:${f.kind}:${f.required ? 'req' : 'opt'}`)).toEqual([
      'image:file:req',
      'category:choice:opt',
      'version:choice:opt',
      'detailDenoise:number:opt',
      'resolution:choice:opt',
      'prompt:text:opt',
      'framingMode:choice:opt',
      'editingLevel:number:opt',
      'detail:number:opt',
    ]);
    expect(field(form, 'resolution')).toMatchObject({ choices: [2048, 4096], value: 2048 });
    expect(field(form, 'detail')).toMatchObject({ min: 0, max: 1, value: '', label: 'Detail' });
    expect(form.problem).toBe('Choose the image first.');
    // Defaults are sent as the schema gives them; optional fields left empty are not sent.
    expect(form.input).toEqual({
      category: 'pessoas',
      version: 'standard',
      resolution: 2048,
      framingMode: 'perto',
    });
    act(() => field(result.current, 'detail').set('1.5'));
    expect(result.current.problem).toBe('Detail: a number from 0 to 1');
    act(() => field(result.current, 'detail').set('0.5'));
    act(() => field(result.current, 'image').set(new File([], 'e.png', { type: 'image/png' })));
    expect(result.current.problem).toBe('the file is empty');
    act(() => field(result.current, 'image').set(png()));
    expect(result.current.problem).toBeNull();
    expect(result.current.input.detail).toBe(0.5);
    expect(Object.keys(result.current.files)).toEqual(['image']);
  });

  it('checks a file against the field rule, in words', () => {
    const rule = { accept: ['image/png', 'image/jpeg', 'image/webp'], maxBytes: 1024 };
    expect(acceptText(rule)).toBe('a PNG, JPEG or WebP image');
    expect(acceptText({ accept: ['video/mp4', 'video/webm'], maxBytes: null })).toBe(
      'an MP4 or WebM video',
    );
    expect(fileProblem(rule, { size: 10, type: 'application/pdf' })).toBe(
      'application/pdf is not accepted here: choose a PNG, JPEG or WebP image',
    );
    expect(fileProblem(rule, { size: 2048 * 1024, type: 'image/png' })).toBe(
      'the file is 2.0 MB; at most 0.0 MB for an image',
    );
    expect(fileProblem({ accept: [], maxBytes: null }, { size: 1, type: '' })).toBeNull();
  });

  it('ToolForm runs the tool through useTool: files uploaded, the job completes', async () => {
    const { wrap, sim, finish } = setupRealServer();
    let run: () => Promise<unknown> = async () => {};
    render(
      wrap(
        <ToolForm tool={poseChanger.form}>
          {(form) => {
            run = form.run;
            return (
              <div>
                {form.fields.map((f) => (
                  <button key={f.name} type="button" onClick={() => f.set(png(16))}>
                    {f.label}
                  </button>
                ))}
                <p data-testid="problem">{form.problem ?? 'none'}</p>
                <p data-testid="status">{form.runner.status}</p>
              </div>
            );
          }}
        </ToolForm>,
      ),
    );
    expect(screen.getByTestId('problem').textContent).toBe('Choose the person image first.');
    await expect(run()).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(sim.store.snapshot()).toEqual([]);
    act(() => screen.getByText('Person').click());
    expect(screen.getByTestId('problem').textContent).toBe(
      'Choose the pose reference image first.',
    );
    act(() => screen.getByText('Pose reference').click());
    expect(screen.getByTestId('problem').textContent).toBe('none');
    await act(async () => {
      void run().catch(() => {});
    });
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('running'));
    await finish(30_000);
    await waitFor(() => expect(screen.getByTestId('status').textContent).toBe('completed'));
    const [job] = sim.store.snapshot();
    expect(job).toMatchObject({ tool: 'pose-changer', status: 'completed' });
    expect(Object.keys(job!.input).sort()).toEqual(['person', 'reference']);
  });
});
