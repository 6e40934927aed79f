import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uploadPath } from '@jobgate/core';
import type { SimOutputFile, SimTask } from '@jobgate/runninghub/simulator';
import { sniff } from './fileRoutes.js';

const TOOL_BY_APP: Record<string, string> = {
  '2018451429635133442': 'Pose Changer',
  '2018755100210106369': 'Veste AI',
  '2018810750139109378': 'Video Upscaler',
};

/**
 * The simulated RunningHub's result of a task: its input images in one SVG with a visible
 * mark (a green frame and a banner naming the tool and task), or for a video the input
 * video itself (the simulator has no video encoder). Inputs are read from the local
 * uploader's folder: the node fields hold their storage paths.
 */
export function markedOutput(filesDir: string) {
  return async (task: SimTask): Promise<SimOutputFile> => {
    const files = task.nodeInfoList.filter(
      (n) =>
        (n.fieldName === 'image' || n.fieldName === 'video') && typeof n.fieldValue === 'string',
    );
    const inputs = await Promise.all(
      files.map(async (n) => {
        // Only a standard upload path: a field value like `../../etc/passwd` reads nothing.
        const [tool = '', userId = '', jobId = '', name = '', ...rest] = String(n.fieldValue).split(
          '/',
        );
        if (rest.length > 0) throw new Error('not an upload path');
        const path = uploadPath({ tool, userId, jobId, name });
        const bytes = new Uint8Array(await readFile(join(filesDir, path)));
        return { bytes, type: sniff(bytes) ?? 'application/octet-stream' };
      }),
    );
    const video = inputs.find((i) => i.type.startsWith('video/'));
    if (video) {
      return { data: video.bytes, contentType: video.type, ext: video.type.split('/')[1]! };
    }
    const tool = TOOL_BY_APP[task.webappId ?? ''] ?? 'Upscaler Arcano';
    const size = 1024;
    const width = size * Math.max(1, inputs.length);
    const images = inputs
      .map(
        (input, i) =>
          `<image x="${i * size}" y="0" width="${size}" height="${size}" preserveAspectRatio="xMidYMid meet" href="data:${input.type};base64,${Buffer.from(input.bytes).toString('base64')}"/>`,
      )
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${size}" viewBox="0 0 ${width} ${size}"><rect width="100%" height="100%" fill="#111"/>${images}<rect x="8" y="8" width="${width - 16}" height="${size - 16}" fill="none" stroke="#22c55e" stroke-width="16"/><rect x="0" y="${size - 120}" width="${width}" height="120" fill="#000" fill-opacity="0.7"/><text x="40" y="${size - 45}" font-family="sans-serif" font-size="52" fill="#22c55e">✓ ${escapeXml(tool)} (simulated)</text></svg>`;
    return { data: new TextEncoder().encode(svg), contentType: 'image/svg+xml', ext: 'svg' };
  };
}

const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
