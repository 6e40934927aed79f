import type { ToolForm } from '@jobgate/core/client';
import { fileKind, type ToolFormField, useToolForm } from '@jobgate/react';
import { FileField } from './FileField.js';
import { RunPanel } from './RunPanel.js';

/** One input of the generic page: a file, a choice, a number, text or a yes/no. */
function Field({ field, disabled }: { field: ToolFormField; disabled: boolean }) {
  if (field.kind === 'file') {
    return (
      <FileField
        name={field.name}
        label={field.label}
        rule={field.file!}
        file={field.value as Blob | null}
        disabled={disabled}
        onChange={(file) => field.set(file)}
      />
    );
  }
  const label = (
    <span>
      {field.label}
      {field.help ? <small> ({field.help})</small> : null}
    </span>
  );
  const testId = `field-${field.name}`;
  if (field.kind === 'choice') {
    return (
      <label className="field">
        {label}
        <select
          data-testid={testId}
          value={String(field.value ?? '')}
          disabled={disabled}
          onChange={(e) =>
            field.set(field.choices!.find((c) => String(c) === e.currentTarget.value) ?? null)
          }
        >
          {field.required ? null : <option value="">—</option>}
          {field.choices!.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
    );
  }
  if (field.kind === 'boolean') {
    return (
      <label className="field">
        <input
          type="checkbox"
          data-testid={testId}
          checked={field.value === true}
          disabled={disabled}
          onChange={(e) => field.set(e.currentTarget.checked)}
        />{' '}
        {label}
      </label>
    );
  }
  return (
    <label className="field">
      {label}
      <input
        data-testid={testId}
        inputMode={field.kind === 'number' ? 'decimal' : undefined}
        value={String(field.value ?? '')}
        disabled={disabled}
        onChange={(e) => field.set(e.currentTarget.value)}
      />
    </label>
  );
}

/**
 * The page of any tool that names no page of its own: the generic form of @jobgate/react,
 * drawn from the tool's plain description, required fields first and optional ones folded.
 */
export function ToolPage({ tool }: { tool: ToolForm }) {
  const form = useToolForm(tool);
  const busy = form.runner.isBusy;
  const required = form.fields.filter((f) => f.required || f.kind === 'file');
  const optional = form.fields.filter((f) => !f.required && f.kind !== 'file');
  const video = form.fields.some((f) => f.file && fileKind(f.file) === 'video');
  return (
    <section className="tool" data-tool={tool.id}>
      <h2>{tool.name}</h2>
      {tool.description ? <p className="hint">{tool.description}</p> : null}
      <div className="pair">
        {required.map((f) => (
          <Field key={f.name} field={f} disabled={busy} />
        ))}
      </div>
      {optional.length > 0 ? (
        <details className="optional">
          <summary>Optional fields</summary>
          {optional.map((f) => (
            <Field key={f.name} field={f} disabled={busy} />
          ))}
        </details>
      ) : null}
      <RunPanel
        tool={tool.id}
        files={tool.fields.filter((f) => f.kind === 'file').map((f) => f.name)}
        runner={form.runner}
        problem={form.problem}
        onRun={form.run}
        quote={form.input}
        output={(url) =>
          video ? (
            <video data-testid="output-video" src={url} controls muted />
          ) : (
            <img data-testid="output-image" alt="result" src={url} />
          )
        }
      />
    </section>
  );
}
