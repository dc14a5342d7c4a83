import { AuthError, CdpkitError, httpErrorFor, MalformedResponseError, rateLimitErrorFrom, VendorError, type Redactor } from "@cdpkit/core";

const VENDOR = "dfinery";

/** Every documented import-API code, with the name DFINERY sends in `message`. */
export const DFINERY_CODES = {
  20000: "OK",
  40000: "BAD_REQUEST",
  40001: "VALIDATION_FAILURE",
  40101: "INVALID_SERVICE_ID",
  40201: "INVALID_TOKEN",
  40401: "TOO_MANY_REQUEST",
  40402: "TOO_MANY_EVENTS",
  40403: "TOO_MANY_USER_PROFILES",
  50000: "INTERNAL_SERVER_ERROR",
} as const;

export type DfineryCode = keyof typeof DFINERY_CODES;

interface ImportEnvelope {
  status: boolean;
  code: string | number;
  message?: string;
  data?: unknown;
}

function isImportEnvelope(body: unknown): body is ImportEnvelope {
  return typeof body === "object" && body !== null && typeof (body as ImportEnvelope).status === "boolean";
}

/** The docs show `code` both as "20000" and 20000: callers always get a number when it is numeric. */
export function normaliseCode(code: unknown): string | number | undefined {
  if (typeof code === "number") return code;
  if (typeof code === "string" && /^\d+$/.test(code)) return Number(code);
  return typeof code === "string" ? code : undefined;
}

function common(response: Response, method: string, redactor: Redactor) {
  return {
    vendor: VENDOR,
    status: response.status,
    method,
    url: response.url,
    requestId: response.headers.get("x-request-id") ?? undefined,
    redactor,
  };
}

/**
 * HTTP 200 with `"status": false` is a failure: throw it as a typed error carrying the vendor code and
 * name (e.g. 40402 TOO_MANY_EVENTS). A 2xx that is not the envelope at all (empty, an HTML page, some
 * other JSON) is a MalformedResponseError: only `"status": true` means the request was taken.
 */
export function checkEnvelope(body: unknown, response: Response, method: string, redactor: Redactor): void {
  if (!isImportEnvelope(body)) {
    throw new MalformedResponseError({
      ...common(response, method, redactor),
      vendorCode: "malformed_response",
      body,
      message: `DFINERY answered ${method} ${new URL(response.url || "http://x/").pathname} with HTTP ${response.status} but not its {"status": ...} envelope: not counted as a success`,
    });
  }
  if (body.status !== false) return;
  const code = normaliseCode(body.code);
  const name = body.message ?? (typeof code === "number" ? DFINERY_CODES[code as DfineryCode] : undefined);
  const init = {
    ...common(response, method, redactor),
    vendorCode: code,
    vendorMessage: name,
    body,
    message: `DFINERY rejected ${method} ${new URL(response.url).pathname}: ${code} ${name ?? ""}`.trim(),
  };
  if (code === 40401) throw rateLimitErrorFrom(init, response.headers);
  if (code === 40201) throw new AuthError(init);
  throw new VendorError(init);
}

/** A non-2xx answer as a typed error: import envelopes carry `code`, export errors `{result, message}`. */
export function errorForResponse(response: Response, body: unknown, method: string, redactor: Redactor): CdpkitError {
  let vendorCode: string | number | undefined;
  let vendorMessage: string | undefined;
  if (isImportEnvelope(body)) {
    vendorCode = normaliseCode(body.code);
    vendorMessage = body.message;
  } else if (typeof body === "object" && body !== null && "message" in body) {
    vendorMessage = String((body as { message: unknown }).message);
    vendorCode = vendorMessage;
  }
  return httpErrorFor({
    ...common(response, method, redactor),
    body,
    vendorCode,
    vendorMessage,
    headers: response.headers,
  });
}
