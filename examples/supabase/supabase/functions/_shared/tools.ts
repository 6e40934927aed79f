// The app's tools, each defined once with defineTool: the whole registration. The edge
// function serves them, and the front end imports the same definitions for typed inputs.
import { poseChanger } from './tools/poseChanger.ts';
import { upscaler } from './tools/upscaler.ts';
import { vesteAi } from './tools/vesteAi.ts';
import { videoUpscaler } from './tools/videoUpscaler.ts';

export const tools = [upscaler, poseChanger, vesteAi, videoUpscaler] as const;

export { type PoseChangerInput, poseChanger, poseChangerInput } from './tools/poseChanger.ts';
export type { NodeInfo, RunningHubTarget } from './tools/runningHubTarget.ts';
export { type UpscalerInput, upscaler, upscalerInput, upscalerTarget } from './tools/upscaler.ts';
export { type VesteAiInput, vesteAi, vesteAiInput } from './tools/vesteAi.ts';
export {
  type VideoUpscalerInput,
  videoUpscaler,
  videoUpscalerInput,
} from './tools/videoUpscaler.ts';
