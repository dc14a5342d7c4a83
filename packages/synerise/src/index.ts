export { SYNERISE_BASE_URL, SYNERISE_SERVERS, createSyneriseClient } from "./client.js";
export type { SyneriseApi, SyneriseClient, SyneriseClientOptions, SynerisePaths } from "./client.js";
export type { SyneriseAuth, SyneriseAuthType } from "./auth.js";
export { parseErrorBody, type SyneriseErrorDetails } from "./errors.js";
export {
  completeEvent,
  MAX_BATCH_BYTES,
  MAX_EVENTS_PER_BATCH,
  type SendEventsOptions,
  type SendEventsReport,
  type SyneriseEvent,
} from "./events.js";
export type { paths, components, operations as operationTypes } from "./generated/openapi.js";
export { operations } from "./generated/operations.js";
export * from "@cdpkit/core/errors";
