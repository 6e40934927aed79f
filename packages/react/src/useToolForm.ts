'use client';
import {
  type ClientFile,
  type FormField,
  type Job,
  JobGateError,
  type JsonObject,
  type JsonValue,
  type ToolForm,
} from '@jobgate/core/client';
import { useCallback, useMemo, useState } from 'react';
import { fileKind, fileProblem } from './fileProblem.js';
import { type ToolHandle, useTool } from './useTool.js';

/** A field of {@link useToolForm}: its description, its value, what is wrong with it, a setter. */
export interface ToolFormField extends FormField {
  /**
   * `file`: the chosen file or null; `choice`: the picked value; `boolean`: true/false;
   * `number` and `text`: the text typed (`''` = not given).
   */
  readonly value: Blob | string | number | boolean | null;
  /** What is wrong with the value (a bad file, a number out of bounds), or null. */
  readonly problem: string | null;
  /** Sets the value (a `File`, a choice, a boolean, or the typed text). */
  set(value: Blob | string | number | boolean | null): void;
}

/** What {@link useToolForm} returns: the fields, the input they make, and the tool's hook. */
export interface ToolFormHandle {
  readonly tool: ToolForm;
  readonly fields: readonly ToolFormField[];
  /** The input without its files: what `run` sends and what the server prices. */
  readonly input: JsonObject;
  readonly files: Readonly<Record<string, ClientFile>>;
  /** The first thing to fix before a run (a bad value, then a missing one), or null. */
  readonly problem: string | null;
  /** Runs the tool with the form's input and files; rejects with `VALIDATION` on a problem. */
  run(): Promise<Job>;
  /** The {@link useTool} hook the form runs through. */
  readonly runner: ToolHandle;
}

type Value = ToolFormField['value'];

function initial(field: FormField): Value {
  if (field.kind === 'file') return null;
  if (field.default !== undefined && typeof field.default !== 'object') return field.default;
  if (field.kind === 'choice' && field.required) return field.choices?.[0] ?? null;
  return field.kind === 'boolean' ? false : '';
}

function check(field: FormField, value: Value): { value?: JsonValue; problem: string | null } {
  if (field.kind === 'file') {
    const file = value as Blob | null;
    return { problem: file && field.file ? fileProblem(field.file, file) : null };
  }
  if (value === '' || value === null) return { problem: null };
  if (field.kind !== 'number') return { value: value as JsonValue, problem: null };
  const n = Number(value);
  const bounds = `${field.min ?? '…'} to ${field.max ?? '…'}`;
  const bad =
    !Number.isFinite(n) ||
    (field.integer && !Number.isInteger(n)) ||
    (field.min !== undefined && n < field.min) ||
    (field.max !== undefined && n > field.max);
  return bad ? { problem: `${field.label}: a number from ${bounds}` } : { value: n, problem: null };
}

const missing = (field: FormField) => {
  const kind = field.file ? fileKind(field.file) : 'file';
  const what = field.label.toLowerCase();
  if (field.kind !== 'file') return `Fill in ${what} first.`;
  return what === kind ? `Choose the ${kind} first.` : `Choose the ${what} ${kind} first.`;
};

/**
 * A headless form of one tool, built from its plain description (`tool.form` of
 * `defineTool`, which the server can send as JSON): file fields with their checks, choices,
 * bounded numbers, optional fields. It runs through {@link useTool}; the page draws the
 * fields its own way. No schema library reaches the browser.
 */
export function useToolForm(tool: ToolForm | { readonly form: ToolForm }): ToolFormHandle {
  const form = 'form' in tool ? tool.form : tool;
  const runner = useTool(form.id);
  const [values, setValues] = useState<Record<string, Value>>({});
  const state = useMemo(() => {
    const input: JsonObject = {};
    const files: Record<string, ClientFile> = {};
    let bad: string | null = null;
    let absent: string | null = null;
    const fields = form.fields.map((field): ToolFormField => {
      const value = field.name in values ? values[field.name]! : initial(field);
      const checked = check(field, value);
      if (field.kind === 'file' && value) files[field.name] = value as Blob;
      else if (checked.value !== undefined) input[field.name] = checked.value;
      bad ??= checked.problem;
      if (field.required && (value === null || value === '')) absent ??= missing(field);
      return {
        ...field,
        value,
        problem: checked.problem,
        set: (next) => setValues((all) => ({ ...all, [field.name]: next })),
      };
    });
    return { fields, input, files, problem: bad ?? absent };
  }, [form, values]);
  const run = useCallback(
    () =>
      state.problem
        ? Promise.reject(new JobGateError('VALIDATION', state.problem))
        : runner.run(state.input, state.files),
    [state, runner],
  );
  return useMemo(() => ({ tool: form, ...state, run, runner }), [form, state, run, runner]);
}
