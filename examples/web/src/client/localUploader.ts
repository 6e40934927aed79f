import {
  errorFromResponse,
  JobGateError,
  type TokenGetter,
  type Uploader,
} from '@jobgate/core/client';

/**
 * The browser side of the app's local uploader: `PUT /files/{tool}/{userId}/{jobId}/{name}`
 * on the app's own origin (where the Storage uploader would go in a Supabase app). The
 * server's refusal (too large, not an image…) comes back as its typed error.
 */
export function localUploader(options: { baseUrl: string; getToken: TokenGetter }): Uploader {
  const send = async (method: 'PUT' | 'DELETE', path: string, body?: Blob | Uint8Array) => {
    const token = await options.getToken();
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl}/files/${path}`, {
        method,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(body ? { body: body as BodyInit } : {}),
      });
    } catch (error) {
      throw new JobGateError('NETWORK_ERROR', 'the upload did not reach the server', {
        cause: error,
      });
    }
    if (!response.ok) throw errorFromResponse(response, await response.text());
  };
  return {
    async upload(request, uploadOptions) {
      const path = [request.tool, request.userId, request.jobId, request.name]
        .map(encodeURIComponent)
        .join('/');
      uploadOptions?.onProgress?.(0);
      await send('PUT', path, request.data);
      uploadOptions?.onProgress?.(1);
      return { path: [request.tool, request.userId, request.jobId, request.name].join('/') };
    },
    async remove(paths) {
      await Promise.all(
        paths.map((p) => send('DELETE', p.split('/').map(encodeURIComponent).join('/'))),
      );
    },
  };
}
