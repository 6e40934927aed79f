import type { FileRule } from '@jobgate/core/client';
import { fileKind, fileProblem } from '@jobgate/react';
import { useEffect, useMemo } from 'react';

export interface FileFieldProps {
  /** The input field (also the test id: `file-<name>`). */
  name: string;
  label: string;
  /** What the field accepts: its tool's `files` rule. */
  rule: FileRule;
  file: Blob | null;
  disabled?: boolean;
  onChange(file: File | null, problem: string | null): void;
}

/** A file input that checks type, size and emptiness before anything is sent. */
export function FileField({ name, label, rule, file, disabled, onChange }: FileFieldProps) {
  const image = fileKind(rule) === 'image';
  const preview = useMemo(
    () => (file && image && !fileProblem(rule, file) ? URL.createObjectURL(file) : null),
    [file, image, rule],
  );
  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="file"
        data-testid={`file-${name}`}
        accept={rule.accept.join(',')}
        disabled={disabled}
        onChange={(event) => {
          const chosen = event.currentTarget.files?.[0] ?? null;
          onChange(chosen, chosen ? fileProblem(rule, chosen) : null);
        }}
      />
      {preview ? <img className="thumb" alt={`${label} preview`} src={preview} /> : null}
    </label>
  );
}
