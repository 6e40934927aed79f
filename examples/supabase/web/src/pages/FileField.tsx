import { useEffect, useMemo } from 'react';
import { ACCEPT, type FileKind, fileProblem } from './fileRules.ts';

export interface FileFieldProps {
  /** The input field (also the test id: `file-<name>`). */
  name: string;
  label: string;
  kind: FileKind;
  file: File | null;
  disabled?: boolean;
  onChange(file: File | null, problem: string | null): void;
}

/** A file input that checks type, size and emptiness before anything is sent. */
export function FileField({ name, label, kind, file, disabled, onChange }: FileFieldProps) {
  const preview = useMemo(
    () => (file && kind === 'image' && !fileProblem(kind, file) ? URL.createObjectURL(file) : null),
    [file, kind],
  );
  useEffect(() => () => (preview ? URL.revokeObjectURL(preview) : undefined), [preview]);
  return (
    <label className="field">
      <span>{label}</span>
      <input
        type="file"
        data-testid={`file-${name}`}
        accept={ACCEPT[kind]}
        disabled={disabled}
        onChange={(event) => {
          const chosen = event.currentTarget.files?.[0] ?? null;
          onChange(chosen, chosen ? fileProblem(kind, chosen) : null);
        }}
      />
      {preview ? <img className="thumb" alt={`${label} preview`} src={preview} /> : null}
    </label>
  );
}
