import {
  AuthError,
  CdpkitError,
  ConflictError,
  defineField,
  NotFoundError,
  ServerError,
  VendorError,
  type CdpkitErrorOptions,
  type Redactor,
} from "@cdpkit/core";

/** The docs' response codes ("Response codes" table): `error` in every response envelope. */
export const ALTCRAFT_ERROR_CODES = {
  0: "Operation is successful",
  400: "Incorrect request",
  401: "API token required",
  402: "Tariff limit reached",
  403: "No rights for this action",
  404: "The object is not found in the token vision zone",
  409: "Another record with the same unique attributes already exists",
  413: "The database is not available in the selected resource",
  415: "Requested Content-Type is not supported",
  435: "Ambiguous search, there are several objects with given attributes",
  441: "The object belongs to another group",
  450: "Request validation error",
  500: "Internal service error",
  501: "The method does not exist",
} as const;

export type AltcraftErrorCode = Exclude<keyof typeof ALTCRAFT_ERROR_CODES, 0>;

export interface AltcraftErrorInfo {
  /** The envelope's `error`. */
  readonly code: number;
  /** What the docs say the code means; "undocumented error code" for one they do not list. */
  readonly meaning: string;
  /** The API method, e.g. "profiles/import". */
  readonly altcraftMethod: string;
}

type Options = CdpkitErrorOptions & { status: number };

/**
 * A non-zero `error` in the envelope, as the core error type that fits its meaning (AuthError for
 * 401/403, NotFoundError 404, ConflictError 409, ServerError 500/501, VendorError otherwise), with
 * `code`, `meaning` and `altcraftMethod` attached.
 */
export function envelopeError(
  envelope: { error: number; error_text?: unknown },
  altcraftMethod: string,
  /** The answer it came in (for a per-item result of a batch, the batch's). */
  response: { readonly status: number; readonly url: string },
  redactor: Redactor,
): CdpkitError & AltcraftErrorInfo {
  const code = envelope.error;
  const meaning = (ALTCRAFT_ERROR_CODES as Record<number, string>)[code] ?? "undocumented error code";
  const text = typeof envelope.error_text === "string" && envelope.error_text !== "" ? envelope.error_text : meaning;
  const options: Options = {
    vendor: "altcraft",
    status: response.status,
    vendorCode: code,
    vendorMessage: text,
    method: "POST",
    url: response.url,
    body: envelope,
    redactor,
    message: `altcraft ${altcraftMethod} failed with error ${code} (${meaning})${text !== meaning ? `: ${text}` : ""}`,
  };
  const error =
    code === 401 || code === 403
      ? new AuthError(options)
      : code === 404
        ? new NotFoundError(options)
        : code === 409
          ? new ConflictError(options)
          : code === 500 || code === 501
            ? new ServerError(options)
            : new VendorError(options);
  for (const [key, value] of Object.entries({ code, meaning, altcraftMethod })) {
    defineField(error, key, value);
  }
  return error as CdpkitError & AltcraftErrorInfo;
}

/**
 * A data-modifying request whose outcome is unknown: the connection failed or timed out after it may
 * have reached the platform. The client does not re-send it — Altcraft rejects a repeated
 * data-modifying request — so the caller decides, with the method and the body it sent (token removed).
 */
export class WriteOutcomeUnknownError extends CdpkitError {
  declare readonly altcraftMethod: string;
  declare readonly sentBody: unknown;
  constructor(altcraftMethod: string, sentBody: unknown, cause: unknown, redactor: Redactor) {
    super({
      kind: "network",
      vendor: "altcraft",
      method: "POST",
      redactor,
      cause,
      message: `altcraft ${altcraftMethod}: the request failed after it may have reached the platform (${cause instanceof Error ? cause.message : String(cause)}); it was not re-sent because Altcraft rejects a repeated data-modifying request. Check the data before sending it again.`,
    });
    Object.defineProperty(this, "altcraftMethod", { value: altcraftMethod, enumerable: true });
    Object.defineProperty(this, "sentBody", { value: redactor.redactValue(sentBody), enumerable: true });
  }
}
Object.defineProperty(WriteOutcomeUnknownError.prototype, "name", {
  value: "WriteOutcomeUnknownError",
  configurable: true,
  writable: true,
});
