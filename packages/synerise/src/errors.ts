import { httpErrorFor, type FieldIssue, type HttpError, type Redactor } from "@cdpkit/core";

/**
 * Synerise's services answer errors in two shapes (see specs/synerise/components/schemas):
 * `{timestamp, status, error, message, path, errors[]}` with field errors as `{code, field, message,
 * rejectedValue}` or `{path, message, rejectedValue}`, and the analytics backend's `{httpStatus,
 * errorCode, message, traceId, help}`. Both become a core HttpError subclass with the message,
 * code, trace id and every field error kept.
 */
export interface SyneriseErrorDetails {
  vendorCode?: string | number;
  vendorMessage?: string;
  requestId?: string;
  fieldErrors?: FieldIssue[];
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export function parseErrorBody(body: unknown): SyneriseErrorDetails {
  if (typeof body === "string") return body.trim() ? { vendorMessage: body.trim().slice(0, 500) } : {};
  if (!body || typeof body !== "object" || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const details: SyneriseErrorDetails = {};
  const message = str(b.message) ?? str(b.error);
  if (message) details.vendorMessage = message;
  const code = str(b.errorCode) ?? (typeof b.errorCode === "number" ? b.errorCode : undefined);
  if (code !== undefined) details.vendorCode = code;
  const trace = str(b.traceId);
  if (trace) details.requestId = trace;
  if (Array.isArray(b.errors)) {
    details.fieldErrors = b.errors
      .filter((e): e is Record<string, unknown> => !!e && typeof e === "object")
      .map((e) => {
        const issue: { field: string; message: string; code?: string | number; rejectedValue?: unknown } = {
          field: str(e.field) ?? str(e.path) ?? "",
          message: str(e.message) ?? "",
        };
        const c = e.code ?? e.errorCode;
        if (typeof c === "number" || typeof c === "string") issue.code = c;
        if ("rejectedValue" in e) issue.rejectedValue = e.rejectedValue;
        return issue;
      });
  }
  return details;
}

export function syneriseError(response: Response, body: unknown, method: string, redactor: Redactor): HttpError {
  const details = parseErrorBody(body);
  const fields = details.fieldErrors?.length ? ` (${details.fieldErrors.map((f) => `${f.field || "?"}: ${f.message}`).join("; ")})` : "";
  return httpErrorFor({
    vendor: "synerise",
    status: response.status,
    headers: response.headers,
    method,
    url: response.url,
    body,
    redactor,
    ...details,
    ...(details.vendorMessage !== undefined ? { vendorMessage: details.vendorMessage + fields } : {}),
  });
}
