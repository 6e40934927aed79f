import type { SimInput, SimOutputFile, SimTask } from '@jobgate/runninghub/simulator';
import { markVideo } from './markVideo.js';

/**
 * The simulated RunningHub's result of a task: its input images in one SVG with a visible
 * mark (a green frame and a banner naming the task's tool, as `toolName` finds it), or for a video the whole
 * input video re-encoded with a green frame (markVideo). Where no ffmpeg runs or the video
 * does not decode, the video output is the input itself, so the demo still finishes. The
 * inputs are the files jobgate uploaded to the simulated RunningHub for the task (the node
 * fields hold RunningHub's upload names, as at the real service).
 */
export function markedOutput(toolName: (task: SimTask) => Promise<string | null>) {
  return async (task: SimTask, inputs: readonly SimInput[]): Promise<SimOutputFile> => {
    const video = inputs.find((i) => i.contentType.startsWith('video/'));
    if (video) {
      const marked = await markVideo(video.bytes, video.contentType);
      return (
        marked ?? {
          data: video.bytes,
          contentType: video.contentType,
          ext: video.contentType.split('/')[1]!,
        }
      );
    }
    const tool = (await toolName(task).catch(() => null)) ?? 'an AI tool';
    const size = 1024;
    const width = size * Math.max(1, inputs.length);
    const images = inputs
      .map(
        (input, i) =>
          `<image x="${i * size}" y="0" width="${size}" height="${size}" preserveAspectRatio="xMidYMid meet" href="data:${input.contentType};base64,${Buffer.from(input.bytes).toString('base64')}"/>`,
      )
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${size}" viewBox="0 0 ${width} ${size}"><rect width="100%" height="100%" fill="#111"/>${images}<rect x="8" y="8" width="${width - 16}" height="${size - 16}" fill="none" stroke="#22c55e" stroke-width="16"/><rect x="0" y="${size - 120}" width="${width}" height="120" fill="#000" fill-opacity="0.7"/><text x="40" y="${size - 45}" font-family="sans-serif" font-size="52" fill="#22c55e">✓ ${escapeXml(tool)} (simulated)</text></svg>`;
    return { data: new TextEncoder().encode(svg), contentType: 'image/svg+xml', ext: 'svg' };
  };
}

const escapeXml = (text: string) => text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
