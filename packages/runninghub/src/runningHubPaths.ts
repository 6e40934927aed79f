/** The OpenAPI paths jobgate calls (and the simulator serves), relative to the base URL. */
export const RUNNINGHUB_PATHS = {
  createWorkflow: '/task/openapi/create',
  runAiApp: '/task/openapi/ai-app/run',
  status: '/task/openapi/status',
  outputs: '/task/openapi/outputs',
  cancel: '/task/openapi/cancel',
  upload: '/task/openapi/upload',
  accountStatus: '/uc/openapi/accountStatus',
} as const;

/** RunningHub refuses uploads above 30 MB; jobgate checks before sending. */
export const MAX_UPLOAD_BYTES = 30 * 1024 * 1024;
