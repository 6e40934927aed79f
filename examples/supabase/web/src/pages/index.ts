/**
 * The four tool pages, on @jobgate/react and the tools' types only. They take their
 * transport, update source and uploader from the nearest <JobGateProvider> (functionsTransport,
 * Realtime, Storage: ../jobgateConfig.ts) and the user's credits from <CreditsProvider>.
 */
export { FILE_RULES, type FileKind, fileProblem, MAX_BYTES } from './fileRules.ts';
export { PoseChangerPage } from './PoseChangerPage.tsx';
export { RunPanel } from './RunPanel.tsx';
export { type AppTools, type ToolId, useToolRunner } from './toolRunner.ts';
export { UpscalerPage } from './UpscalerPage.tsx';
export { VesteAiPage } from './VesteAiPage.tsx';
export { VideoUpscalerPage } from './VideoUpscalerPage.tsx';

import { PoseChangerPage } from './PoseChangerPage.tsx';
import { UpscalerPage } from './UpscalerPage.tsx';
import { VesteAiPage } from './VesteAiPage.tsx';
import { VideoUpscalerPage } from './VideoUpscalerPage.tsx';

/** The pages in menu order. */
export const TOOL_PAGES = [
  { id: 'upscaler', name: 'Upscaler Arcano', Page: UpscalerPage },
  { id: 'pose-changer', name: 'Pose Changer', Page: PoseChangerPage },
  { id: 'veste-ai', name: 'Veste AI', Page: VesteAiPage },
  { id: 'video-upscaler', name: 'Video Upscaler', Page: VideoUpscalerPage },
] as const;
