import { JobGateError } from './errors.js';
import type { JsonObject } from './job.js';
import {
  formatIssues,
  type InferInput,
  type InferOutput,
  type StandardSchemaV1,
} from './standardSchema.js';
import { buildToolForm, type FieldText, type FileRule, type ToolForm } from './toolForm.js';

export const DEFAULT_POOL = 'default';

export interface ToolConfig<
  S extends StandardSchemaV1 = StandardSchemaV1,
  P = unknown,
  Id extends string = string,
  F extends string = string,
> {
  /** Stable id, used in job rows, storage paths and URLs: lowercase letters, digits, `-`. */
  id: Id;
  /** A human name for UIs. */
  name?: string;
  /** A line for UIs saying what the tool does. */
  description?: string;
  /** The input schema (zod, valibot, … anything implementing Standard Schema). */
  input: S;
  /** Price in credits, decided on the server from the validated input. */
  creditCost: number | ((input: InferOutput<S>) => number);
  /** A running job past this is checked at the provider and ended. */
  maxRunMs: number;
  /** A running job with no provider news for this long is polled (lost webhooks). */
  pollIntervalMs?: number;
  /** At most this many jobs of this tool run at once (on top of the pool cap). */
  maxConcurrent?: number;
  /** The slot pool (one provider account); `default` unless set. */
  pool?: string;
  /**
   * Input fields that hold uploaded files (storage paths): a list, or each field with the
   * content types and size it accepts (`{ image: { accept: ['image/png'], maxBytes } }`).
   * Each must be a string field of the input schema, or `defineTool` fails to compile.
   */
  files?: readonly F[] | { readonly [K in F]: FileRule };
  /** Each input field's label and help on a page (`tool.form`); unknown names fail to compile. */
  fields?: { readonly [K in keyof InferInput<S>]?: FieldText };
  /** Provider-specific mapping (e.g. RunningHub app id and node map). */
  provider?: P;
  /**
   * Refund a job of this tool that its user cancelled while it was running. Default: the
   * runner's `refundPolicy.cancelWhileRunning` (true unless set). See docs/credits.md.
   */
  refundCancelWhileRunning?: boolean;
}

/**
 * A registered tool. `Id` and `F` keep the literal id and file fields, so a browser can take
 * the tool's types (`import type`) without its code: see `ToolInput` in `@jobgate/core/client`.
 */
export interface ToolDefinition<
  S extends StandardSchemaV1 = StandardSchemaV1,
  P = unknown,
  Id extends string = string,
  F extends string = string,
> {
  readonly id: Id;
  readonly name: string;
  readonly input: S;
  readonly maxRunMs: number;
  readonly pollIntervalMs: number;
  readonly maxConcurrent: number | null;
  readonly pool: string;
  readonly files: readonly F[];
  /** What each file field accepts (any type and size for a field given as a plain list). */
  readonly fileRules: Readonly<Record<F, FileRule>>;
  /** What the tool does, for UIs (`''` if not set). */
  readonly description: string;
  /** The tool as a page needs it, in plain JSON: its fields, labels, choices, bounds, files. */
  readonly form: ToolForm;
  readonly provider: P;
  /** This tool's own refund rule for a cancel while running; null = the runner's policy. */
  readonly refundCancelWhileRunning: boolean | null;
  /** Validates input; throws `VALIDATION` with the schema's messages. */
  parse(input: unknown): Promise<InferOutput<S> & JsonObject>;
  /** Price in credits for already-validated input. */
  price(input: InferOutput<S>): number;
}

const TOOL_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The input fields whose value is a string: the only ones that can hold a file's path. */
export type StringFields<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends string ? K : never;
}[keyof T] &
  string;

/**
 * Fails the `files` entry that is not a string field of the input schema, with the reason
 * in the message (`"imag" is not a string field of the input schema`).
 */
export type FilesCheck<S extends StandardSchemaV1, F extends string> = string extends F
  ? unknown
  : [Exclude<F, StringFields<InferOutput<S>>>] extends [never]
    ? unknown
    : {
        files: `"${Exclude<F, StringFields<InferOutput<S>>>}" is not a string field of the input schema`;
      };

const ANY_FILE: FileRule = Object.freeze({ accept: Object.freeze([]), maxBytes: null });

/** The whole registration of a tool: nothing else in jobgate lists tools. */
export function defineTool<
  S extends StandardSchemaV1,
  P = unknown,
  const Id extends string = string,
  const F extends string = string,
>(config: ToolConfig<S, P, Id, F> & FilesCheck<S, F>): ToolDefinition<S, P, Id, F> {
  if (!TOOL_ID.test(config.id)) {
    throw new JobGateError('VALIDATION', `tool id "${config.id}" must match ${TOOL_ID}`);
  }
  if (!(config.maxRunMs > 0)) {
    throw new JobGateError('VALIDATION', `tool ${config.id}: maxRunMs must be > 0`);
  }
  if (
    config.maxConcurrent !== undefined &&
    !(Number.isInteger(config.maxConcurrent) && config.maxConcurrent > 0)
  ) {
    throw new JobGateError(
      'VALIDATION',
      `tool ${config.id}: maxConcurrent must be a positive integer`,
    );
  }
  const { creditCost } = config;
  const given = config.files ?? [];
  const fileRules = (
    Array.isArray(given)
      ? Object.fromEntries(given.map((field) => [field, ANY_FILE]))
      : Object.fromEntries(
          Object.entries(given as Record<string, FileRule>).map(([field, rule]) => [
            field,
            Object.freeze({ accept: Object.freeze([...rule.accept]), maxBytes: rule.maxBytes }),
          ]),
        )
  ) as Record<F, FileRule>;
  const name = config.name ?? config.id;
  const description = config.description ?? '';
  const form = buildToolForm({
    id: config.id,
    name,
    description,
    input: config.input,
    fileRules,
    fields: (config.fields ?? {}) as Record<string, FieldText | undefined>,
  });
  return Object.freeze({
    id: config.id,
    name,
    description,
    form,
    fileRules: Object.freeze(fileRules),
    input: config.input,
    maxRunMs: config.maxRunMs,
    pollIntervalMs: config.pollIntervalMs ?? 15_000,
    maxConcurrent: config.maxConcurrent ?? null,
    pool: config.pool ?? DEFAULT_POOL,
    files: Object.freeze(Object.keys(fileRules)) as readonly F[],
    provider: config.provider as P,
    refundCancelWhileRunning: config.refundCancelWhileRunning ?? null,
    async parse(input: unknown) {
      const result = await config.input['~standard'].validate(input);
      if (result.issues) {
        throw new JobGateError(
          'VALIDATION',
          `invalid input for ${config.id}: ${formatIssues(result.issues)}`,
        );
      }
      const value = result.value;
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new JobGateError('VALIDATION', `input for ${config.id} must be an object`);
      }
      return value as InferOutput<S> & JsonObject;
    },
    price(input: InferOutput<S>) {
      const cost = typeof creditCost === 'function' ? creditCost(input) : creditCost;
      if (!(Number.isFinite(cost) && cost >= 0)) {
        throw new JobGateError('INTERNAL', `tool ${config.id} priced a job at ${cost}`);
      }
      return cost;
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds tools of any input type
export type AnyTool = ToolDefinition<any, any, string, string>;

/** Every tool of an app, by id. Unknown ids are a `VALIDATION` error, never a lookup in SQL. */
export class ToolRegistry {
  readonly #tools = new Map<string, AnyTool>();

  constructor(tools: Iterable<AnyTool>) {
    for (const tool of tools) {
      if (this.#tools.has(tool.id)) {
        throw new JobGateError('VALIDATION', `tool "${tool.id}" is registered twice`);
      }
      this.#tools.set(tool.id, tool);
    }
  }

  get(id: unknown): AnyTool {
    const tool = typeof id === 'string' ? this.#tools.get(id) : undefined;
    if (!tool) throw new JobGateError('VALIDATION', `unknown tool "${String(id).slice(0, 64)}"`);
    return tool;
  }

  has(id: unknown): boolean {
    return typeof id === 'string' && this.#tools.has(id);
  }

  list(): AnyTool[] {
    return [...this.#tools.values()];
  }
}

export function createToolRegistry(tools: Iterable<AnyTool>): ToolRegistry {
  return new ToolRegistry(tools);
}
