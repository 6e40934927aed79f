import { JobGateError, toJobGateError, type Uploader, uploadPath } from '@jobgate/core';
import type { UploadRequest, UploadResult } from '@jobgate/core/adapter';
import type { SupabaseClient } from '@supabase/supabase-js';

export interface StorageUploaderOptions {
  /** The Storage bucket for job inputs. */
  bucket: string;
  /** Seconds a signed URL for the provider stays valid; 0 = no URL. Default 3600. */
  signedUrlSeconds?: number;
}

/**
 * Uploads job inputs to Supabase Storage under the standard path
 * `{tool}/{userId}/{jobId}/{name}` (so a storage policy can restrict each user to their own
 * folder), never overwriting. Failures are STORAGE_ERROR.
 */
export function storageUploader(
  client: Pick<SupabaseClient, 'storage'>,
  options: StorageUploaderOptions,
): Uploader {
  const bucket = () => client.storage.from(options.bucket);
  const signedSeconds = options.signedUrlSeconds ?? 3600;
  return {
    async upload(request: UploadRequest, uploadOptions): Promise<UploadResult> {
      const path = uploadPath(request);
      uploadOptions?.onProgress?.(0);
      let result: { data: unknown; error: unknown };
      try {
        result = await bucket().upload(path, request.data, {
          contentType: request.contentType,
          upsert: false,
        });
      } catch (error) {
        throw toJobGateError(error, 'STORAGE_ERROR', request.jobId);
      }
      if (result.error) throw storageError(result.error, request.jobId);
      uploadOptions?.onProgress?.(1);
      if (signedSeconds <= 0) return { path };
      const signed = await bucket().createSignedUrl(path, signedSeconds);
      if (signed.error || !signed.data?.signedUrl) return { path };
      return { path, url: signed.data.signedUrl };
    },
    async remove(paths: readonly string[]): Promise<void> {
      if (paths.length === 0) return;
      const { error } = await bucket().remove([...paths]);
      if (error) throw storageError(error);
    },
  };
}

function storageError(error: unknown, jobId?: string): JobGateError {
  const message = error instanceof Error ? error.message : String(error);
  return new JobGateError('STORAGE_ERROR', `storage: ${message}`, { jobId, cause: error });
}
