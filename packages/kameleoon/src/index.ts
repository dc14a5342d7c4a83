export { createKameleoonClient, DEFAULT_USER_AGENT, KAMELEOON_SERVERS, KAMELEOON_TOKEN_URL } from "./client.js";
export type { KameleoonApi, KameleoonClient, KameleoonClientOptions, KameleoonPaths, KameleoonRegion } from "./client.js";
export {
  assertCommonId,
  completeProductEvent,
  completeVisitEvent,
  encodeEventLine,
  MAX_EVENTS_BODY_BYTES,
  newNonce,
  type ProductEvent,
  type SendEventsOptions,
  type SendEventsReport,
  type VisitEvent,
} from "./events.js";
export type { paths, components, operations as operationTypes } from "./generated/openapi.js";
export { operations } from "./generated/operations.js";
export * from "@cdpkit/core/errors";
