export { poseChanger } from './poseChanger.js';
export { upscaler } from './upscaler.js';
export { vesteAi } from './vesteAi.js';
export { videoUpscaler } from './videoUpscaler.js';

import { poseChanger } from './poseChanger.js';
import { upscaler } from './upscaler.js';
import { vesteAi } from './vesteAi.js';
import { videoUpscaler } from './videoUpscaler.js';

/** The four tools of the app, in one list: the whole registration. */
export const tools = [upscaler, poseChanger, vesteAi, videoUpscaler] as const;
export { invalidInputs, sampleInputs } from './fixtures.js';
export type { NodeInfo, RunningHubTarget } from './runningHubTarget.js';
export { type UpscalerInput, upscalerInput, upscalerTarget } from './upscaler.js';
