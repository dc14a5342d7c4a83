export { composeFetch, type FetchImplementation, type FetchLayer, type FetchLike, type Transport } from "./fetch.js";
export { createManualClock, systemClock, type Clock, type ManualClock, type ManualClockOptions } from "./clock.js";
// The error classes (also what every vendor package re-exports), then the helpers that build errors.
export * from "./error-classes.js";
export {
  defineField,
  excerpt,
  httpErrorFor,
  httpErrorForResult,
  rateLimitErrorFrom,
  isConnectFailure,
  isNetworkError,
  toNetworkError,
  type CdpkitErrorOptions,
  type HttpErrorInit,
  type HttpErrorOptions,
  type InvalidInputErrorOptions,
  type NetworkErrorOptions,
  type RedirectErrorOptions,
  type ResponseTooLargeErrorOptions,
  type RateLimitErrorOptions,
  type TimeoutErrorOptions,
} from "./errors.js";
export { DEFAULT_SENSITIVE_KEYS, REDACTED, Redactor, defaultRedactor, type RedactorOptions } from "./redact.js";
export { parseRateLimitHeaders, parseResetValue, parseRetryAfter, requestIdFrom, type RateLimitHeaderInfo } from "./headers.js";
export { DEFAULT_RETRY_STATUSES, defaultIsSafeToRetry, withRetry, type RetryInfo, type RetryOptions } from "./retry.js";
export {
  MemoryRateLimitStore,
  withRateLimit,
  type ObservedLimits,
  type OnRateLimit,
  type RateLimitEvent,
  type RateLimitOptions,
  type RateLimitRule,
  type RateLimitStore,
  type RateLimitWaitInfo,
  type SlotResult,
  type TakeResult,
} from "./rate-limit.js";
export { withTimeout, type TimeoutOptions } from "./timeout.js";
export {
  createPolicyFetch,
  sharedPolicyOptions,
  withNetworkErrors,
  type ClientBaseOptions,
  type PolicyOperationFacts,
  type PolicyOptions,
  type TransportOption,
} from "./policy.js";
export type { NodeDispatcher } from "#node-transport";
export { withRedirects, type RedirectOptions } from "./redirect.js";
export { DEFAULT_MAX_RESPONSE_BYTES, MAX_ERROR_BODY_BYTES } from "./body.js";
export { redactingLogger, type Logger } from "./logger.js";
export {
  applySecurity,
  credentialIssue,
  isTokenSource,
  type AppliedCredential,
  type TokenSource,
  type ApplySecurityOptions,
  type Credential,
  type SecuritySchemeMeta,
} from "./auth.js";
export {
  createOperationIndex,
  idempotentRetry,
  rateLimitRulesFrom,
  type OperationIndex,
  type OperationMeta,
  type OperationRateLimit,
  type BatchFacts,
} from "./operations.js";
export { Semaphore } from "./semaphore.js";
export { loadHelper } from "./on-demand.js";
export { createCall, LightRequest, ReplayableRequest, type Call, type Deadline, type ReplayableBody } from "./call.js";
export {
  HTTP_VERBS,
  bindOperations,
  checkSuccess,
  createOperationFetch,
  type BindOperationsOptions,
  type OperationFetch,
  type OperationFetchOptions,
  type OperationInit,
  type OperationResult,
  type SuccessCheck,
} from "./operation-client.js";
export { isRealDateTime, jsonIssues, measureJson, utf8Bytes, withFields } from "./json.js";
// The helpers (batching, pagination, CSV) have their own entry points, @cdpkit/core/batch, /paginate and /csv, so
// that an app making plain calls never loads them (a bundler splits by file, issue 13's bundle target); the
// client methods that use them load them at their first call. Their types stay here.
export type { Page, PaginateOptions, Pagination, Paginator } from "./paginate.js";
export type { BatchIndex, PaginatedIndex, PaginateMethod, SendBatchMethod } from "./operation-methods.js";
export type {
  Batch,
  BatchFailure,
  BatchLimits,
  BatchOutcome,
  BatchPlan,
  BatchProgress,
  BatchReport,
  BatchRequestResult,
  BatchRunOptions,
  ItemOutcome,
  ItemSource,
  PreparedItem,
} from "./batch.js";
export {
  TokenCache,
  clientCredentials,
  jwtExpiresAt,
  tokenSource,
  type ClientCredentialsOptions,
  untilAborted,
  type CachedTokenSource,
  type TokenSourceOptions,
  type IssuedToken,
  type TokenCacheOptions,
  type TokenCacheStats,
} from "./token.js";
export {
  assertClientOptions,
  assertOptions,
  noAuthConfigured,
  baseOptionIssues,
  createVendorClient,
  type ClientFilledPaths,
  type VendorClient,
  type VendorClientSetup,
  type VendorDefinition,
  type VendorRateLimitOptions,
} from "./vendor-client.js";
export type { CsvParseErrorOptions, CsvRowErrorOptions } from "./csv-errors.js";
export type { CsvBatch, CsvParseOptions, CsvRecord, CsvSource } from "./csv.js";
export type { CellContext, CellType, CellValue, CsvRowOptions } from "./csv-rows.js";
