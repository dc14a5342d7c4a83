import { readFileSync } from "node:fs";
import { CdpkitError, InvalidInputError, Redactor, type OperationMeta } from "@cdpkit/core";
import { ExitCode, UsageError } from "./exit.js";
import { createClient, secretsOf, vendorName, vendorSettings, VENDORS } from "./vendors.js";

/** One line per operation: method, path, evidence level, whether a retry may repeat it, its rate-limit scope. */
export function listOperations(vendor: string): OperationMeta[] {
  return [...VENDORS[vendorName(vendor)].operations].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

export function formatOperations(operations: readonly OperationMeta[]): string {
  const rows = operations.map((op) => [
    op.method,
    op.path,
    op.evidence ?? "-",
    op.idempotent ? "yes" : "no",
    op.rateLimit ? `${op.rateLimit.scope ?? "-"} ${op.rateLimit.limit}/${op.rateLimit.intervalMs / 1000}s` : "-",
    op.operationId ?? "",
  ]);
  const header = ["METHOD", "PATH", "EVIDENCE", "REPEATABLE", "RATE LIMIT", "OPERATION"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The spec's operation for a concrete path (`/v4/clients/42` -> `/v4/clients/{clientId}` with its parameter). */
export function matchOperation(
  operations: readonly OperationMeta[],
  method: string,
  path: string,
): { op: OperationMeta; params: Record<string, string> } {
  const candidates = operations.filter((op) => op.method.toUpperCase() === method);
  const exact = candidates.find((op) => op.path === path);
  if (exact) return { op: exact, params: {} };
  for (const op of candidates) {
    const names: string[] = [];
    const pattern = op.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    const match = new RegExp(`^${pattern}$`).exec(path);
    if (match) return { op, params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)])) };
  }
  throw new UsageError(`no ${method} ${path} in the spec (see cdpkit ops)`);
}

export interface CallOptions {
  readonly vendor: string;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** JSON text, or `@file` holding it. */
  readonly data?: string;
  readonly config?: string;
  readonly baseUrl?: string;
}

export interface CallResult {
  readonly exitCode: ExitCode;
  /** The answer's data, or the typed error (`toJSON()`), redacted. */
  readonly output: unknown;
  readonly status?: number;
}

function readData(data: string | undefined): unknown {
  if (data === undefined) return undefined;
  let text = data;
  if (data.startsWith("@")) {
    try {
      text = readFileSync(data.slice(1), "utf8");
    } catch (error) {
      throw new UsageError(`cannot read ${data.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--data is not valid JSON: ${(error as Error).message}`);
  }
}

/** One call through the full client (auth, fills, limits, retries, the envelope check). */
export async function runCall(options: CallOptions): Promise<CallResult> {
  const vendor = vendorName(options.vendor);
  const method = options.method.toUpperCase();
  const { op, params } = matchOperation(VENDORS[vendor].operations, method, options.path);
  const body = readData(options.data);
  const settings = vendorSettings(vendor, options);
  const redactor = new Redactor({ secrets: secretsOf(vendor, settings) });
  const client = createClient(vendor, { settings, placeholders: false, base: { throwOnError: true } }) as unknown as Record<
    string,
    (path: string, init: unknown) => Promise<{ data?: unknown; response: Response }>
  >;
  const call = client[method];
  if (typeof call !== "function") throw new UsageError(`unknown method ${method}`);
  try {
    const { data, response } = await call(op.path, {
      params: { path: params, query: options.query },
      ...(body !== undefined ? { body } : {}),
      ...(op.successBody === "stream" ? { parseAs: "text" } : {}),
    });
    return { exitCode: ExitCode.ok, output: data ?? null, status: response.status };
  } catch (error) {
    if (!(error instanceof CdpkitError)) throw error;
    const exitCode =
      error instanceof InvalidInputError
        ? ExitCode.usage
        : error.name === "AuthError" || error.name === "NetworkError"
          ? ExitCode.couldNotRun
          : ExitCode.someFailed;
    return {
      exitCode,
      output: JSON.parse(redactor.redactText(JSON.stringify({ error: error.toJSON() }))),
      ...(error.status ? { status: error.status } : {}),
    };
  }
}
