/**
 * The four tool pages, on @jobgate/react and the tools' types only. They take their
 * transport, update source and uploader from the nearest <JobGateProvider>, so the same
 * pages run on the local server (fetchTransport) or on Supabase (functionsTransport).
 */
export { FILE_RULES, type FileKind, fileProblem, MAX_BYTES } from './fileRules.js';
export { PoseChangerPage } from './PoseChangerPage.js';
export { RunPanel } from './RunPanel.js';
export { type AppTools, type ToolId, useToolRunner } from './toolRunner.js';
export { UpscalerPage } from './UpscalerPage.js';
export { VesteAiPage } from './VesteAiPage.js';
export { VideoUpscalerPage } from './VideoUpscalerPage.js';

import { PoseChangerPage } from './PoseChangerPage.js';
import { UpscalerPage } from './UpscalerPage.js';
import { VesteAiPage } from './VesteAiPage.js';
import { VideoUpscalerPage } from './VideoUpscalerPage.js';

/** The pages in menu order. */
export const TOOL_PAGES = [
  { id: 'upscaler', name: 'Upscaler Arcano', Page: UpscalerPage },
  { id: 'pose-changer', name: 'Pose Changer', Page: PoseChangerPage },
  { id: 'veste-ai', name: 'Veste AI', Page: VesteAiPage },
  { id: 'video-upscaler', name: 'Video Upscaler', Page: VideoUpscalerPage },
] as const;
