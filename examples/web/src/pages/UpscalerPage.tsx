import type { ToolForm } from '@jobgate/core/client';
import { useState } from 'react';
import { FileField } from './FileField.js';
import { RunPanel } from './RunPanel.js';
import { useToolRunner } from './toolRunner.js';

/** The seven RunningHub apps of the upscaler, as the user picks them: category and framing. */
const VARIANTS = [
  { id: 'people-close', label: 'People, close-up', category: 'pessoas', framingMode: 'perto' },
  { id: 'people-far', label: 'People, far', category: 'pessoas', framingMode: 'longe' },
  { id: 'old-photo', label: 'Old photo', category: 'fotoAntiga' },
  { id: 'food', label: 'Food or object', category: 'comida' },
  { id: 'logo', label: 'Logo and art', category: 'logo' },
  { id: 'render3d', label: '3D seals', category: 'render3d' },
] as const;

type Variant = (typeof VARIANTS)[number];

/**
 * Upscaler Arcano, the one tool with a page of its own (src/pages/toolPages.ts): an image, a
 * variant × standard/pro, and only the optional fields that apply to the variant.
 */
export function UpscalerPage({ tool }: { tool: ToolForm }) {
  const imageRule = tool.fields.find((f) => f.name === 'image')!.file!;
  const runner = useToolRunner('upscaler');
  const [image, setImage] = useState<File | null>(null);
  const [fileProblem, setFileProblem] = useState<string | null>(null);
  const [variant, setVariant] = useState<Variant>(VARIANTS[0]);
  const [version, setVersion] = useState<'standard' | 'pro'>('standard');
  const [resolution, setResolution] = useState<2048 | 4096>(2048);
  const [detailDenoise, setDetailDenoise] = useState('');
  const [detail, setDetail] = useState('');
  const [editingLevel, setEditingLevel] = useState('');
  const [prompt, setPrompt] = useState('');
  const close = variant.id === 'people-close';
  const hasDetail =
    variant.category === 'comida' ||
    ((variant.category === 'logo' || variant.category === 'render3d') && version === 'pro');
  const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
  const busy = runner.isBusy;
  const input = {
    category: variant.category,
    ...('framingMode' in variant ? { framingMode: variant.framingMode } : {}),
    version,
    resolution,
    ...(close && number(detailDenoise) !== undefined
      ? { detailDenoise: number(detailDenoise) }
      : {}),
    ...(close && version === 'pro' && number(editingLevel) !== undefined
      ? { editingLevel: number(editingLevel) }
      : {}),
    ...(hasDetail && number(detail) !== undefined ? { detail: number(detail) } : {}),
    ...(close && prompt !== '' ? { prompt } : {}),
  };

  return (
    <section className="tool" data-tool="upscaler">
      <h2>{tool.name}</h2>
      <FileField
        name="image"
        label="Image"
        rule={imageRule}
        file={image}
        disabled={busy}
        onChange={(file, problem) => {
          setImage(file);
          setFileProblem(problem);
        }}
      />
      <label className="field">
        <span>Variant</span>
        <select
          data-testid="variant"
          value={variant.id}
          disabled={busy}
          onChange={(e) => setVariant(VARIANTS.find((v) => v.id === e.currentTarget.value)!)}
        >
          {VARIANTS.map((v) => (
            <option key={v.id} value={v.id}>
              {v.label}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="field" disabled={busy}>
        <legend>Version</legend>
        {(['standard', 'pro'] as const).map((v) => (
          <label key={v}>
            <input
              type="radio"
              name="version"
              data-testid={`version-${v}`}
              checked={version === v}
              onChange={() => setVersion(v)}
            />{' '}
            {v}
          </label>
        ))}
      </fieldset>
      <details className="optional">
        <summary>Optional fields</summary>
        <label className="field">
          <span>Resolution</span>
          <select
            value={resolution}
            onChange={(e) => setResolution(Number(e.currentTarget.value) as 2048 | 4096)}
          >
            <option value={2048}>2048</option>
            <option value={4096}>4096 (the provider caps it at 2048)</option>
          </select>
        </label>
        {close ? (
          <label className="field">
            <span>Detail denoise (0–1, default 0.15)</span>
            <input
              data-testid="detail-denoise"
              inputMode="decimal"
              value={detailDenoise}
              onChange={(e) => setDetailDenoise(e.currentTarget.value)}
            />
          </label>
        ) : null}
        {close && version === 'pro' ? (
          <label className="field">
            <span>Editing level (0–1)</span>
            <input
              inputMode="decimal"
              value={editingLevel}
              onChange={(e) => setEditingLevel(e.currentTarget.value)}
            />
          </label>
        ) : null}
        {hasDetail ? (
          <label className="field">
            <span>Detail (0–1)</span>
            <input
              inputMode="decimal"
              value={detail}
              onChange={(e) => setDetail(e.currentTarget.value)}
            />
          </label>
        ) : null}
        {close ? (
          <label className="field">
            <span>Prompt</span>
            <textarea
              data-testid="prompt"
              value={prompt}
              onChange={(e) => setPrompt(e.currentTarget.value)}
            />
          </label>
        ) : null}
      </details>
      <RunPanel
        tool="upscaler"
        files={['image']}
        runner={runner}
        problem={fileProblem ?? (image ? null : 'Choose an image first.')}
        onRun={() => runner.run(input, { image: image! })}
        quote={input}
        output={(url) => <img data-testid="output-image" alt="upscaled result" src={url} />}
      />
    </section>
  );
}
