/**
 * The error classes a caller catches, re-exported by every vendor package (`export * from "@cdpkit/core/errors"`),
 * so `import { RateLimitError } from "@cdpkit/<vendor>"` works the same for each vendor.
 */
export {
  AbortedError,
  AuthError,
  BadRequestError,
  CdpkitError,
  ConflictError,
  HttpError,
  InvalidInputError,
  MalformedResponseError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  RedirectError,
  ResponseTooLargeError,
  ServerError,
  TimeoutError,
  UnprocessableEntityError,
  VendorError,
  type ErrorKind,
  type FieldIssue,
  type InvalidInputIssue,
  type NetworkPhase,
} from "./errors.js";
export { CsvParseError, CsvRowError } from "./csv-errors.js";
