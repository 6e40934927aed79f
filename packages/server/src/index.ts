export { type AuthContext, type Authenticator, bearerToken } from './authenticator.js';
export { consoleLogger, type Logger } from './consoleLogger.js';
export { type Cors, type CorsOptions, createCors } from './cors.js';
export { createJobHandler } from './createJobHandler.js';
export { type JobEventStreamOptions, jobEventStream } from './jobEventStream.js';
export {
  DEFAULT_RATE_LIMITS,
  type JobHandler,
  type JobHandlerOptions,
  type RateBucket,
} from './jobHandlerOptions.js';
export { errorResponse, jsonResponse } from './jsonResponse.js';
export { QUEUE_VIEW_LIMIT, type QueueView, queueView } from './queueView.js';
export {
  counterRateLimiter,
  decide,
  MemoryRateLimiter,
  type RateAlgorithm,
  type RateCounter,
  type RateDecision,
  type RateLimiter,
  type RateRule,
  windowStart,
} from './rateLimiter.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  parseJsonBytes,
  readBodyBytes,
  readJsonBody,
} from './readJsonBody.js';
export { staticTokenAuthenticator } from './staticTokenAuthenticator.js';
