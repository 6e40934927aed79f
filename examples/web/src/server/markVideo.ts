import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Longest re-encode the simulator waits for; past it the task keeps the input unchanged. */
export const MARK_VIDEO_TIMEOUT_MS = 120_000;

let binary: Promise<string | undefined> | undefined;

/**
 * The ffmpeg binary shipped inside `@ffmpeg-installer/ffmpeg` (no download at install), or
 * undefined when this platform has none or it does not run: the demo then keeps the input.
 */
export function ffmpegPath(): Promise<string | undefined> {
  binary ??= (async () => {
    try {
      const path: string = createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg').path;
      await run(path, ['-hide_banner', '-version'], { timeout: 10_000 });
      return path;
    } catch {
      return undefined;
    }
  })();
  return binary;
}

/**
 * The user's whole video re-encoded with a visible mark: a green frame around every frame
 * (drawbox; drawtext would need fonts a static build may not find). Same container as the
 * input so the page plays it as it played the upload: WebM stays VP8, anything else becomes
 * H.264 MP4. Fast presets and a timeout bound the work; it runs in a child process so the
 * server keeps answering meanwhile. Returns undefined when no ffmpeg runs here or the input
 * does not decode, and the caller keeps the input as the output.
 */
export async function markVideo(
  input: Uint8Array,
  type: string,
): Promise<{ data: Uint8Array; contentType: string; ext: string } | undefined> {
  const ffmpeg = await ffmpegPath();
  if (!ffmpeg) return undefined;
  const webm = type === 'video/webm';
  const dir = await mkdtemp(join(tmpdir(), 'jobgate-video-'));
  const inputPath = join(dir, webm ? 'in.webm' : 'in.mp4');
  const out = join(dir, webm ? 'out.webm' : 'out.mp4');
  const codec = webm
    ? ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M']
    : ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];
  try {
    await writeFile(inputPath, input);
    await run(
      ffmpeg,
      [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', inputPath],
        // Even sizes for 4:2:0; the frame is 1/24 of the short side, at least 4 px.
        '-vf',
        'crop=trunc(iw/2)*2:trunc(ih/2)*2,drawbox=x=0:y=0:w=iw:h=ih:color=0x22c55e:t=max(4\\,min(iw\\,ih)/24)',
        ...codec,
        ...['-c:a', 'copy', out],
      ],
      { timeout: MARK_VIDEO_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
    );
    const data = new Uint8Array(await readFile(out));
    return { data, contentType: webm ? 'video/webm' : 'video/mp4', ext: webm ? 'webm' : 'mp4' };
  } catch {
    return undefined;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
