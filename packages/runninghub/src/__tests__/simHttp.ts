import { RUNNINGHUB_PATHS } from '../runningHubPaths.js';

/**
 * Raw calls to a simulator, as RunningHub's documentation writes them (no provider in
 * between): JSON posts with the key in the body, and the multipart upload.
 */
export function simHttp(url: () => string, apiKey = 'sim-key') {
  const post = async (path: string, body: Record<string, unknown>) =>
    (await (
      await fetch(`${url()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ apiKey, ...body }),
      })
    ).json()) as { code: number; msg: string; data: unknown };

  /** Uploads `bytes` as `name`; resolves with RunningHub's `fileName`. */
  const upload = async (name: string, bytes: Uint8Array, fileType = 'image', key = apiKey) => {
    const form = new FormData();
    form.append('apiKey', key);
    form.append('fileType', fileType);
    form.append('file', new Blob([bytes as Uint8Array<ArrayBuffer>]), name);
    const answer = (await (
      await fetch(`${url()}${RUNNINGHUB_PATHS.upload}`, { method: 'POST', body: form })
    ).json()) as { code: number; data: { fileName: string } | null };
    if (answer.code !== 0) throw new Error(`upload answered ${answer.code}`);
    return answer.data!.fileName;
  };

  /** Starts AI app 1 with `image` (and, if given, `video`) node fields. */
  const run = (image: string, video?: string) =>
    post(RUNNINGHUB_PATHS.runAiApp, {
      webappId: '1',
      nodeInfoList: [
        { nodeId: '1', fieldName: 'image', fieldValue: image },
        ...(video ? [{ nodeId: '2', fieldName: 'video', fieldValue: video }] : []),
        { nodeId: '5', fieldName: 'value', fieldValue: 0.5 },
      ],
    });

  /** The output URL of a finished task (from `/task/openapi/outputs`). */
  const outputUrl = async (taskId: string) => {
    const answer = await post(RUNNINGHUB_PATHS.outputs, { taskId });
    if (answer.code !== 0) throw new Error(`outputs answered ${answer.code}`);
    return (answer.data as Array<{ fileUrl: string; fileType: string }>)[0]!;
  };

  return { post, upload, run, outputUrl };
}
