export { createKameleoonClient, DEFAULT_USER_AGENT, KAMELEOON_SERVERS, KAMELEOON_TOKEN_URL } from "./client.js";
export type { KameleoonApi, KameleoonClient, KameleoonClientOptions, KameleoonPaths, KameleoonRegion } from "./client.js";
// The event helpers' values live under @cdpkit/kameleoon/events, so importing the client does not load them.
export type { ProductEvent, SendEventsOptions, SendEventsReport, VisitEvent } from "./events.js";
export type { paths, components, operations as operationTypes } from "./generated/openapi.js";
export { operations } from "./generated/operations.js";
export * from "@cdpkit/core/errors";
