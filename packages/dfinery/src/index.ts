import type { ItemSource } from "@cdpkit/core";
import { createDfineryContext, type DfineryApi, type DfineryClientOptions } from "./client.js";
import { sendEvents, type DfineryEventInput, type DfineryIdentity, type SendEventsOptions, type SendEventsReport } from "./events.js";
import {
  exportEvents,
  exportUserProfiles,
  type ExportEventsRequest,
  type ExportOptions,
  type ExportUserProfilesRequest,
} from "./exports.js";
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
  const helpers: DfineryHelpers = {
    sendEvents: (identity, events, opts) => sendEvents(ctx, identity, events, opts),
    exportEvents: (request, opts) => exportEvents(ctx, request, opts),
    exportUserProfiles: (request, opts) => exportUserProfiles(ctx, request, opts),
  };
  return Object.assign(ctx.api, helpers);
}

export { DFINERY_BASE_URL } from "./client.js";
export type { DfineryApi, DfineryClientOptions, DfineryPaths, DfineryRateLimitOptions, DfineryRateLimitScope } from "./client.js";
export { DFINERY_CODES, normaliseCode, type DfineryCode } from "./envelope.js";
export {
  MAX_EVENTS_PER_REQUEST,
  MAX_ITEMS_PER_REQUEST,
  type DfineryEvent,
  type DfineryEventInput,
  type DfineryIdentity,
  type SendEventsOptions,
  type SendEventsReport,
} from "./events.js";
export type { ExportEventsRequest, ExportOptions, ExportUserProfilesRequest } from "./exports.js";
export {
  ExportParseError,
  STANDARD_COLUMNS,
  convertCell,
  rowsFromCsv,
  type CellValue,
  type ColumnType,
  type EventExportRow,
  type ExportRowOptions,
  type UserProfileExportRow,
} from "./export-rows.js";
export type { paths, components, operations as operationTypes } from "./generated/openapi.js";
export { operations } from "./generated/operations.js";
export * from "@cdpkit/core/errors";
export { parseCsv } from "@cdpkit/core";
