import { loadHelper, type ItemSource } from "@cdpkit/core";
import { createDfineryContext, type DfineryApi, type DfineryClientOptions } from "./client.js";
import type { DfineryEventInput, DfineryIdentity, SendEventsOptions, SendEventsReport } from "./events.js";
import type { ExportEventsRequest, ExportOptions, ExportUserProfilesRequest } from "./exports.js";
import type { EventExportRow, UserProfileExportRow } from "./export-rows.js";

export interface DfineryHelpers {
  /** Any number of events for one identity, batched within DFINERY's limits; every event reported. */
  sendEvents(identity: DfineryIdentity, events: ItemSource<DfineryEventInput>, options?: SendEventsOptions): Promise<SendEventsReport>;
  /** Streams the event export as typed rows. */
  exportEvents(request: ExportEventsRequest, options?: ExportOptions): Promise<AsyncGenerator<EventExportRow>>;
  /** Streams the user-profile export as typed rows. */
  exportUserProfiles(request: ExportUserProfilesRequest, options?: ExportOptions): Promise<AsyncGenerator<UserProfileExportRow>>;
}

/** The typed openapi-fetch client for every DFINERY operation, plus the helpers. */
export type DfineryClient = DfineryApi & DfineryHelpers;

/**
 * `createDfineryClient({ serviceId, importToken, exportToken })`: the right token per operation,
 * `service_id` filled in, retries, rate limits and timeouts on by default.
 */
export function createDfineryClient(options: DfineryClientOptions): DfineryClient {
  const ctx = createDfineryContext(options);
  // Each helper's module (and the batch engine or CSV reader under it) loads at its first call: a bundler
  // leaves what an app never calls out of the page it loads first (issue 13's bundle target).
  const helpers: DfineryHelpers = {
    sendEvents: async (identity, events, opts) =>
      (await loadHelper("dfinery", "sendEvents", () => import("./events.js"))).sendEvents(ctx, identity, events, opts),
    exportEvents: async (request, opts) =>
      (await loadHelper("dfinery", "exportEvents", () => import("./exports.js"))).exportEvents(ctx, request, opts),
    exportUserProfiles: async (request, opts) =>
      (await loadHelper("dfinery", "exportUserProfiles", () => import("./exports.js"))).exportUserProfiles(ctx, request, opts),
  };
  return Object.assign(ctx.api, helpers);
}

export { DFINERY_BASE_URL } from "./client.js";
export type { DfineryApi, DfineryClientOptions, DfineryPaths, DfineryRateLimitOptions, DfineryRateLimitScope } from "./client.js";
export { DFINERY_CODES, normaliseCode, type DfineryCode } from "./envelope.js";
// Values of the helper modules live under their own entry points (@cdpkit/dfinery/events, /exports), so
// importing the client does not load them; their types are here too.
export type { DfineryEvent, DfineryEventInput, DfineryIdentity, SendEventsOptions, SendEventsReport } from "./events.js";
export type { ExportEventsRequest, ExportOptions, ExportUserProfilesRequest } from "./exports.js";
export type { CellValue, ColumnType, EventExportRow, ExportRowOptions, UserProfileExportRow } from "./export-rows.js";
export type { paths, components, operations as operationTypes } from "./generated/openapi.js";
export { operations } from "./generated/operations.js";
export * from "@cdpkit/core/errors";
export { CsvRowError as ExportParseError } from "@cdpkit/core/errors";
