import { closeSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { Redactor } from "@cdpkit/core";
import { UsageError } from "./exit.js";
import { createProgress, type ProgressMode } from "./progress.js";
import { createClient, secretsOf, vendorName, vendorSettings, type VendorClients, type VendorName } from "./vendors.js";

export type ExportFormat = "ndjson" | "csv";

/** What `cdpkit export <vendor> <kind>` reads: `--request` (DFINERY), `--query` / `--data` (lists). */
export interface ExportRequest {
  readonly request: Record<string, unknown>;
  readonly query: Record<string, string>;
  readonly data: Record<string, unknown>;
  readonly maxPages?: number;
}

export interface ExportKind<V extends VendorName = VendorName> {
  readonly vendor: V;
  readonly name: string;
  readonly summary: string;
  rows(client: VendorClients[V], request: ExportRequest): Promise<AsyncIterable<unknown>> | AsyncIterable<unknown>;
}

const dfineryExport = (name: string, summary: string, helper: "exportEvents" | "exportUserProfiles"): ExportKind<"dfinery"> => ({
  vendor: "dfinery",
  name,
  summary,
  rows: (client, { request }) => client[helper](request as never),
});

/** A list operation walked with `paginate` (GET lists take `--query`, POST lists `--data`). */
function listExport<V extends "synerise" | "altcraft">(vendor: V, name: string, method: "GET" | "POST", path: string): ExportKind<V> {
  return {
    vendor,
    name,
    summary: `${method} ${path}, every page`,
    rows: (client, { query, data, maxPages }) => {
      const init = method === "GET" ? { params: { query } } : { body: data };
      return (client as { paginate: (...args: unknown[]) => AsyncIterable<unknown> }).paginate(
        method,
        path,
        init,
        maxPages === undefined ? {} : { maxPages },
      );
    },
  };
}

export const EXPORT_KINDS: readonly ExportKind[] = [
  dfineryExport("events", "the event export (CSV from DFINERY, as typed rows): --from, --to, --event or --request", "exportEvents"),
  dfineryExport("user-profiles", "the user-profile export: --request '{\"audience\":...}'", "exportUserProfiles"),
  listExport("synerise", "profiles", "GET", "/crm/v1/list"),
  listExport("synerise", "company-profiles", "GET", "/crm/v1/company-clients"),
  listExport("synerise", "catalogs", "GET", "/catalogs/bags"),
  listExport("synerise", "catalog-items", "GET", "/catalogs/items"),
  listExport("synerise", "tags", "GET", "/tags-collector/tags"),
  listExport("altcraft", "subscriptions", "POST", "/api/v1.1/subscriptions/list_all"),
  listExport("altcraft", "campaigns", "POST", "/api/v1.1/campaigns/list"),
  listExport("altcraft", "resources", "POST", "/api/v1.1/resources/list"),
  listExport("altcraft", "segments", "POST", "/api/v1.1/segments/list/"),
  listExport("altcraft", "workflows", "POST", "/api/v1.1/workflows/list"),
  listExport("altcraft", "orders", "POST", "/api/v1.1/market/orders/list"),
];

export function exportKind(vendor: VendorName, name: string): ExportKind {
  const kind = EXPORT_KINDS.find((k) => k.vendor === vendor && k.name === name);
  if (!kind) {
    const names = EXPORT_KINDS.filter((k) => k.vendor === vendor).map((k) => k.name);
    throw new UsageError(
      `${vendor} has no export kind "${name}"${names.length ? ` (one of ${names.join(", ")})` : " (it has no exports)"}`,
    );
  }
  return kind;
}

/** Dotted paths of an item's fields: the CSV columns. Arrays and empty objects are one cell (JSON). */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else out.set(prefix, value);
}

/** The `:type` a CSV header carries so that `cdpkit import` reads the column back as it was. */
function columnType(value: unknown): string {
  if (typeof value === "number") return ":number";
  if (typeof value === "boolean") return ":boolean";
  if (value !== null && typeof value === "object") return ":json";
  return "";
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes rows as NDJSON or CSV (header from the first row); the file appears under its name only when complete. */
class RowWriter {
  readonly #fd: number;
  #columns: string[] | undefined;
  rows = 0;

  constructor(
    readonly path: string,
    readonly format: ExportFormat,
  ) {
    this.#fd = openSync(`${path}.partial`, "w");
  }

  write(row: unknown): void {
    this.rows++;
    if (this.format === "ndjson") {
      writeSync(this.#fd, `${JSON.stringify(row)}\n`);
      return;
    }
    const cells = new Map<string, unknown>();
    flatten(row, "", cells);
    if (this.#columns === undefined) {
      this.#columns = [...cells.keys()];
      writeSync(this.#fd, `${this.#columns.map((c) => csvCell(`${c}${columnType(cells.get(c))}`)).join(",")}\n`);
    }
    const extra = [...cells.keys()].filter((c) => !this.#columns!.includes(c));
    if (extra.length > 0) {
      throw new UsageError(`row ${this.rows} has fields the CSV header (from row 1) lacks: ${extra.join(", ")}; use --format ndjson`);
    }
    writeSync(this.#fd, `${this.#columns.map((c) => csvCell(cells.get(c))).join(",")}\n`);
  }

  finish(): void {
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    renameSync(`${this.path}.partial`, this.path);
  }

  abandon(): void {
    closeSync(this.#fd);
  }
}

export interface ExportOptions {
  readonly vendor: string;
  readonly kind: string;
  readonly out: string;
  readonly format: ExportFormat;
  readonly request: ExportRequest;
  readonly config?: string;
  readonly baseUrl?: string;
  readonly progress: ProgressMode;
  readonly stderr: NodeJS.WriteStream;
}

export interface ExportSummary {
  readonly vendor: string;
  readonly kind: string;
  readonly out: string;
  readonly format: ExportFormat;
  readonly rows: number;
  readonly elapsedMs: number;
}

export async function runExport(options: ExportOptions): Promise<ExportSummary> {
  const started = Date.now();
  const vendor = vendorName(options.vendor);
  const kind = exportKind(vendor, options.kind);
  const settings = vendorSettings(vendor, options);
  const redactor = new Redactor({ secrets: secretsOf(vendor, settings) });
  const client = createClient(vendor, { settings, placeholders: false, base: { throwOnError: true } });
  const out = resolve(options.out);
  const writer = new RowWriter(out, options.format);
  const progress = createProgress(options.progress, {
    stream: options.stderr,
    label: `export ${vendor} ${kind.name}`,
    intervalMs: 2000,
    unit: "rows",
  });
  const figures = () => ({ read: writer.rows, skipped: 0, sent: 0, accepted: 0, failed: 0, bytesRead: 0, totalBytes: undefined });
  try {
    for await (const row of await kind.rows(client as never, options.request)) {
      writer.write(row);
      if (writer.rows % 500 === 0) progress.update(figures());
    }
    writer.finish();
  } catch (error) {
    writer.abandon();
    progress.stop(figures());
    if (error instanceof Error) error.message = redactor.redactText(error.message);
    throw error;
  }
  progress.stop(figures());
  return { vendor, kind: kind.name, out, format: options.format, rows: writer.rows, elapsedMs: Date.now() - started };
}
