import type { JsonValue } from './job.js';
import type { StandardSchemaV1 } from './standardSchema.js';

/** What a file field accepts: checked by the page before the upload and by the uploader. */
export interface FileRule {
  /** Accepted content types (`image/png`, …); empty = any. */
  readonly accept: readonly string[];
  /** Largest accepted file in bytes; null = no limit of the tool's own. */
  readonly maxBytes: number | null;
}

/** A field's words on a page: its label and a line of help. */
export interface FieldText {
  readonly label?: string;
  readonly help?: string;
}

/**
 * One input field of a {@link ToolForm}, read from the input schema: a file (from `files`), a
 * choice (an enum or a union of literals), a number (with its bounds), text or a yes/no.
 */
export interface FormField {
  readonly name: string;
  readonly kind: 'file' | 'choice' | 'number' | 'text' | 'boolean';
  readonly label: string;
  readonly help: string | null;
  /** False when the schema makes the field optional or gives it a default. */
  readonly required: boolean;
  /** The schema's default, if any. */
  readonly default?: JsonValue;
  /** `choice`: the values to pick from. */
  readonly choices?: readonly (string | number)[];
  /** `number`: inclusive bounds; `integer` when the schema wants a whole number. */
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  /** `text`: the longest accepted text. */
  readonly maxLength?: number;
  /** `file`: the field's rule. */
  readonly file?: FileRule;
}

/**
 * A tool as a page needs it, in plain JSON: safe to send to a browser, which then needs
 * neither the schema library nor the tool's code (`@jobgate/react`'s `useToolForm` reads it).
 */
export interface ToolForm {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly fields: readonly FormField[];
}

interface JsonSchemaNode {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  maxLength?: number;
  description?: string;
  properties?: Record<string, JsonSchemaNode>;
  required?: string[];
}

interface JsonSchemaSource {
  readonly jsonSchema?: { input(options: { target: string }): Record<string, unknown> };
}

/** The schema's JSON Schema (Standard JSON Schema, e.g. zod 4), or null if it has none. */
function jsonSchemaOf(schema: StandardSchemaV1): JsonSchemaNode | null {
  const source = schema['~standard'] as JsonSchemaSource;
  try {
    return (source.jsonSchema?.input({ target: 'draft-2020-12' }) as JsonSchemaNode) ?? null;
  } catch {
    return null;
  }
}

const isChoice = (v: unknown): v is string | number =>
  typeof v === 'string' || typeof v === 'number';

function choicesOf(node: JsonSchemaNode): (string | number)[] | null {
  if (node.enum?.every(isChoice)) return node.enum;
  const members = node.anyOf ?? node.oneOf;
  if (!members) return null;
  const values = members.map((m) => (m.const !== undefined ? m.const : m.enum?.[0]));
  return values.every(isChoice) ? values : null;
}

function fieldOf(
  name: string,
  node: JsonSchemaNode,
  required: boolean,
  text: FieldText,
  file: FileRule | undefined,
): FormField {
  const base = {
    name,
    label: text.label ?? name,
    help: text.help ?? node.description ?? null,
    required: required && node.default === undefined,
    ...(node.default !== undefined ? { default: node.default as JsonValue } : {}),
  };
  if (file) return { ...base, kind: 'file', file };
  const choices = choicesOf(node);
  if (choices) return { ...base, kind: 'choice', choices };
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  if (type === 'number' || type === 'integer') {
    const min = node.minimum ?? node.exclusiveMinimum;
    const max = node.maximum ?? node.exclusiveMaximum;
    return {
      ...base,
      kind: 'number',
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      ...(type === 'integer' ? { integer: true } : {}),
    };
  }
  if (type === 'boolean') return { ...base, kind: 'boolean' };
  return {
    ...base,
    kind: 'text',
    ...(node.maxLength !== undefined ? { maxLength: node.maxLength } : {}),
  };
}

/**
 * The plain description of a tool (`tool.form`), built once by `defineTool`: the fields in
 * the schema's order, each file field with its rule. A schema without JSON Schema support
 * gives its file fields only.
 */
export function buildToolForm(tool: {
  id: string;
  name: string;
  description: string;
  input: StandardSchemaV1;
  fileRules: Readonly<Record<string, FileRule>>;
  fields: Readonly<Record<string, FieldText | undefined>>;
}): ToolForm {
  const schema = jsonSchemaOf(tool.input);
  const properties = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const names = [...Object.keys(properties)];
  for (const name of Object.keys(tool.fileRules)) if (!names.includes(name)) names.push(name);
  const fields = names.map((name) =>
    fieldOf(
      name,
      properties[name] ?? {},
      !schema || required.has(name),
      tool.fields[name] ?? {},
      tool.fileRules[name],
    ),
  );
  return { id: tool.id, name: tool.name, description: tool.description, fields };
}
