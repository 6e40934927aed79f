/** A file in the app's storage, opened for reading. */
export interface StoredFile {
  /** Its storage path, e.g. `veste-ai/{userId}/{jobId}/person.webp`. */
  path: string;
  /** Bytes. */
  size: number;
  /** The type the storage recorded, or the one its bytes show; `application/octet-stream` if neither. */
  contentType: string;
  /**
   * The bytes as a Blob. The local-disk storage hands a file-backed Blob (nothing is read
   * into memory until it is consumed); Supabase Storage downloads it.
   */
  blob(): Promise<Blob>;
}

export interface FileWriteOptions {
  contentType: string;
  signal?: AbortSignal | undefined;
  /** Refuse with CONFLICT when a file is at `path` already (an upload never overwrites). */
  ifAbsent?: boolean;
}

/**
 * The app's file storage, seen from the server: where the browser's uploads land
 * (`{tool}/{userId}/{jobId}/{name}`, see `uploadPath`) and where jobgate keeps each job's
 * results (`{tool}/{userId}/{jobId}/output-N.ext`). The runner reads a job's input files
 * from it to hand them to the provider, copies the provider's results into it before the
 * job completes, and signs short-lived URLs for the browser. Implementations:
 * `supabaseFileStorage` (@jobgate/supabase), `localFileStorage` (@jobgate/server/node),
 * `MemoryFileStorage` (@jobgate/core/testing). Errors are `STORAGE_ERROR` JobGateErrors whose
 * `kind` is `invalid` for a file that is not there and `transient` for a storage that did
 * not answer.
 */
export interface FileStorage {
  /** Opens a stored file. */
  read(path: string, signal?: AbortSignal): Promise<StoredFile>;
  /**
   * Stores `body` at `path`, replacing a file there. Either the whole file is stored or none
   * of it: a body that errors half-way (a cut download) leaves no file at `path`.
   */
  write(path: string, body: ReadableStream<Uint8Array>, options: FileWriteOptions): Promise<void>;
  /** A URL that GETs the file for `expiresInSeconds`, with no other credential. */
  signedUrl(path: string, expiresInSeconds: number): Promise<string>;
  /** Removes files; paths that are not there are ignored. */
  remove(paths: readonly string[]): Promise<void>;
}
