// The four example tools live in the Supabase starter (examples/supabase), where an app keeps
// them; this private package hands the same definitions to the tests, the demo and the bench.
export {
  type NodeInfo,
  type PoseChangerInput,
  poseChanger,
  poseChangerInput,
  type RunningHubTarget,
  tools,
  type UpscalerInput,
  upscaler,
  upscalerInput,
  upscalerTarget,
  type VesteAiInput,
  type VideoUpscalerInput,
  vesteAi,
  vesteAiInput,
  videoUpscaler,
  videoUpscalerInput,
} from '../../supabase/supabase/functions/_shared/tools.ts';
export { invalidInputs, sampleInputs } from './fixtures.js';
export {
  SAMPLE_FILE_NAMES,
  SAMPLE_MP4,
  SAMPLE_PNG,
  type SampleOwner,
  sampleInput,
  uploadSampleInput,
} from './sampleFiles.js';
