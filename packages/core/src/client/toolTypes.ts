import type { Job, JsonObject, JsonValue } from '../domain/job.js';
import type { StandardSchemaV1 } from '../domain/standardSchema.js';
import type { JobClient } from './jobClient.js';
import type { ClientFile } from './uploadFiles.js';

/**
 * What the browser's types need of a tool: its `defineTool(...)` result, taken with
 * `import type` so that neither the schema library nor the server code reaches the bundle.
 */
export interface ToolTypeSource {
  readonly id: string;
  readonly input: StandardSchemaV1;
  readonly files: readonly string[];
}

/** The tools of an app as a type: `typeof tools` (a list) or an object of tools. */
export type ToolSet = readonly ToolTypeSource[] | { readonly [key: string]: ToolTypeSource };

type Members<R> = R extends readonly (infer T)[] ? T : R[keyof R];

/** The tool ids of a set: anything else fails to typecheck. */
export type ToolId<R extends ToolSet> = Members<R>['id'];

/** The tool of a set with this id. */
export type ToolById<R extends ToolSet, Id extends ToolId<R>> = Extract<Members<R>, { id: Id }>;

type SchemaInput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['input'];

/** The input fields of a tool that hold uploaded files (none known for a plain `string[]`). */
export type ToolFileField<T extends ToolTypeSource> = string extends T['files'][number]
  ? never
  : T['files'][number];

/**
 * What a page passes to `run`: the schema's input (before defaults) without the file
 * fields, which get their storage paths from the upload.
 */
export type ToolInput<T extends ToolTypeSource> = NoExtraKeys<
  Omit<SchemaInput<T['input']>, ToolFileField<T>>
>;

/** `{}` would take any object: a tool whose fields are all files takes an empty input only. */
type NoExtraKeys<T> = [keyof T] extends [never] ? Record<string, never> : T;

/** The files a run of the tool needs: one per file field. */
export type ToolFiles<T extends ToolTypeSource> = { [K in ToolFileField<T>]: ClientFile };

/** The argument list of a typed `run`: files required exactly when the tool has file fields. */
export type ToolRunArgs<T extends ToolTypeSource> = [ToolFileField<T>] extends [never]
  ? [input: ToolInput<T>, files?: undefined]
  : [input: ToolInput<T>, files: ToolFiles<T>];

/** The types of one run: its arguments and its output (the provider's output type). */
export interface RunTypes<Args extends unknown[] = unknown[], Output = unknown> {
  args: Args;
  output: Output;
}

/** A run of a tool whose types are unknown (a plain string id). */
export type UntypedRun = RunTypes<
  [input: JsonObject, files?: Readonly<Record<string, ClientFile>>],
  JsonValue
>;

/** The run types of the tool `Id` of set `R`; `Output` is what the provider's jobs end with. */
export type ToolRun<R extends ToolSet, Id extends ToolId<R>, Output = JsonValue> = RunTypes<
  ToolRunArgs<ToolById<R, Id>>,
  Output
>;

/**
 * A JobClient whose `run` knows the app's tools: `createJobClient(...) as TypedJobClient<typeof
 * tools>` (a cast of the same object; nothing is added at run time).
 */
export type TypedJobClient<R extends ToolSet, Output = JsonValue> = Omit<JobClient, 'run'> & {
  run<Id extends ToolId<R>>(
    tool: Id,
    ...args: ToolRunArgs<ToolById<R, Id>>
  ): Promise<Omit<Job, 'output'> & { output: Output | null }>;
};
