export { ALTCRAFT_CLOUD_HOST, createAltcraftClient } from "./client.js";
export type { AltcraftApi, AltcraftClientOptions } from "./client.js";
export { ALTCRAFT_ERROR_CODES, WriteOutcomeUnknownError, type AltcraftErrorCode, type AltcraftErrorInfo } from "./errors.js";
export type { paths, components, operations as operationTypes } from "./generated/openapi.js";
export { operations } from "./generated/operations.js";
export * from "@cdpkit/core/errors";
