import { InvalidInputError, isRealDateTime, VendorError } from "@cdpkit/core";
import type { DfineryContext } from "./client.js";
import { errorForResponse } from "./envelope.js";
import { rowsFromCsv, type CellValue, type EventExportRow, type ExportRowOptions, type UserProfileExportRow } from "./export-rows.js";
import type { paths } from "./generated/openapi.js";

export type ExportEventsRequest = paths["/api/v1/export/event"]["post"]["requestBody"]["content"]["application/json"];
export type ExportUserProfilesRequest = paths["/api/v1/export/userprofile"]["post"]["requestBody"]["content"]["application/json"];

export interface ExportOptions extends ExportRowOptions {
  signal?: AbortSignal;
}

type ExportPath = "/api/v1/export/event" | "/api/v1/export/userprofile";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function checkDateRange(request: ExportEventsRequest): void {
  const issues: { path: string; message: string }[] = [];
  for (const key of ["from_date", "to_date"] as const) {
    const value = request?.[key];
    // Date.parse("2025-02-30") is March 2: the day itself must exist.
    if (typeof value !== "string" || !DATE.test(value) || !isRealDateTime(value)) {
      issues.push({ path: key, message: "must be a real date yyyy-MM-dd" });
    }
  }
  if (issues.length === 0 && request.from_date > request.to_date) {
    issues.push({ path: "from_date", message: `is after to_date (${request.from_date} > ${request.to_date})` });
  }
  if (issues.length > 0) {
    throw new InvalidInputError({
      vendor: "dfinery",
      message: `exportEvents: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
      issues,
    });
  }
}

/**
 * Sends an export request and, once DFINERY answered with CSV, returns the rows as a stream: the
 * body is parsed as it arrives, so a large export never sits whole in memory. Errors (HTTP or the
 * `{"result": "fail"}` body, which DFINERY may send with HTTP 200) are thrown before any row.
 */
async function runExport<Row extends Record<string, CellValue>>(
  ctx: DfineryContext,
  path: ExportPath,
  body: ExportEventsRequest | ExportUserProfilesRequest,
  options: ExportOptions,
): Promise<AsyncGenerator<Row>> {
  const { signal, ...rowOptions } = options;
  const { data, error, response } = await ctx.api.POST(path as "/api/v1/export/event", {
    body: body as ExportEventsRequest,
    parseAs: "stream",
    headers: { Accept: "text/csv, application/json" },
    signal,
  });
  if (error !== undefined || !response.ok) throw errorForResponse(response, error, "POST", ctx.redactor);
  const type = response.headers.get("content-type") ?? "";
  if (type.includes("json")) {
    const parsed: unknown = await response.json().catch(() => undefined);
    const message = (parsed as { message?: unknown } | undefined)?.message;
    throw new VendorError({
      vendor: "dfinery",
      status: response.status,
      method: "POST",
      url: response.url,
      vendorCode: typeof message === "string" ? message : undefined,
      vendorMessage: typeof message === "string" ? message : undefined,
      body: parsed,
      redactor: ctx.redactor,
      message: `DFINERY export failed: ${typeof message === "string" ? message : "unexpected JSON body"}`,
    });
  }
  // No body at all (e.g. 204, or Content-Length 0): an export with no rows.
  const stream = (data as ReadableStream<Uint8Array> | null | undefined) ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  return rowsFromCsv<Row>(stream, { redactor: ctx.redactor, ...rowOptions });
}

export async function exportEvents(
  ctx: DfineryContext,
  request: ExportEventsRequest,
  options: ExportOptions = {},
): Promise<AsyncGenerator<EventExportRow>> {
  checkDateRange(request);
  return await runExport(ctx, "/api/v1/export/event", request, options);
}

export async function exportUserProfiles(
  ctx: DfineryContext,
  request: ExportUserProfilesRequest,
  options: ExportOptions = {},
): Promise<AsyncGenerator<UserProfileExportRow>> {
  return await runExport(ctx, "/api/v1/export/userprofile", request, options);
}
