export { SYNERISE_BASE_URL, SYNERISE_SERVERS, createSyneriseClient } from "./client.js";
export type { SyneriseApi, SyneriseClient, SyneriseClientOptions, SynerisePaths } from "./client.js";
export type { SyneriseAuth, SyneriseAuthType } from "./auth.js";
export { parseErrorBody, type SyneriseErrorDetails } from "./errors.js";
// The event helpers' values live under @cdpkit/synerise/events, so importing the client does not load them.
export type { SendEventsOptions, SendEventsReport, SyneriseEvent } from "./events.js";
export type { paths, components, operations as operationTypes } from "./generated/openapi.js";
export { operations } from "./generated/operations.js";
export * from "@cdpkit/core/errors";
