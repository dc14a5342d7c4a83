import { describe, expect, it } from "vitest";
import {
  AuthError,
  BadRequestError,
  CdpkitError,
  ConflictError,
  HttpError,
  InvalidInputError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TimeoutError,
  UnprocessableEntityError,
  VendorError,
  httpErrorFor,
  isNetworkError,
} from "../src/errors.js";
import { START } from "./helpers.js";

describe("httpErrorFor", () => {
  it.each([
    [400, BadRequestError, "http"],
    [401, AuthError, "auth"],
    [403, AuthError, "auth"],
    [404, NotFoundError, "http"],
    [409, ConflictError, "http"],
    [422, UnprocessableEntityError, "http"],
    [429, RateLimitError, "rate_limit"],
    [500, ServerError, "http"],
    [503, ServerError, "http"],
    [418, HttpError, "http"],
  ] as const)("maps %i to %s", (status, ctor, kind) => {
    const err = httpErrorFor({ status, vendor: "dfinery", method: "GET", url: "https://api.example.com/v1/x" });
    expect(err).toBeInstanceOf(ctor);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toBeInstanceOf(CdpkitError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe(ctor.name);
    expect(err.kind).toBe(kind);
    expect(err.status).toBe(status);
    expect(err.message).toBe(`dfinery GET https://api.example.com/v1/x failed with HTTP ${status}`);
  });

  it("reads Retry-After and reset headers into RateLimitError", () => {
    const headers = new Headers({ "retry-after": "30", "x-ratelimit-reset": String(START + 45_000), "x-request-id": "req-9" });
    const err = httpErrorFor({ status: 429, headers, now: START });
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ retryAfterMs: 30_000, resetAt: START + 45_000, requestId: "req-9" });
  });

  it("derives retryAfterMs from an epoch-seconds reset when Retry-After is missing", () => {
    const headers = new Headers({ "X-Rate-Limit-Reset": String(START / 1000 + 12) });
    const err = httpErrorFor({ status: 429, headers, now: START }) as RateLimitError;
    expect(err.resetAt).toBe(START + 12_000);
    expect(err.retryAfterMs).toBe(12_000);
  });

  it("carries vendor code, message, request id and parsed body, and serialises them", () => {
    const err = httpErrorFor({
      status: 404,
      vendor: "dfinery",
      vendorCode: "E404",
      vendorMessage: "user not found",
      requestId: "abc",
      body: { status: false, code: "E404" },
      method: "GET",
      url: "https://api.example.com/users/1",
    });
    expect(err.message).toBe("dfinery GET https://api.example.com/users/1 failed with HTTP 404 [E404]: user not found");
    expect(err.toJSON()).toEqual({
      name: "NotFoundError",
      message: err.message,
      kind: "http",
      vendor: "dfinery",
      status: 404,
      vendorCode: "E404",
      vendorMessage: "user not found",
      requestId: "abc",
      body: { status: false, code: "E404" },
      method: "GET",
      url: "https://api.example.com/users/1",
    });
    expect(JSON.parse(JSON.stringify(err))).toEqual(err.toJSON());
  });
});

describe("other errors", () => {
  it("VendorError is an envelope failure, not an HTTP one", () => {
    const err = new VendorError({ vendor: "dfinery", status: 200, vendorCode: 1001, vendorMessage: "invalid event" });
    expect(err.kind).toBe("vendor");
    expect(err).not.toBeInstanceOf(HttpError);
    expect(err.message).toContain("invalid event");
  });

  it("RateLimitError also fits a vendor envelope code with status 200", () => {
    const err = new RateLimitError({ status: 200, vendorCode: "RATE_LIMITED", retryAfterMs: 1000 });
    expect(err).toMatchObject({ kind: "rate_limit", status: 200, retryAfterMs: 1000 });
  });

  it("TimeoutError names its scope and budget", () => {
    const err = new TimeoutError({ timeoutMs: 500, scope: "total", vendor: "dfinery", method: "POST", url: "https://x/y" });
    expect(err.message).toBe("dfinery POST https://x/y: total timeout of 500 ms exceeded");
    expect(err.toJSON()).toMatchObject({ kind: "timeout", timeoutMs: 500, scope: "total" });
  });

  it("NetworkError keeps its cause", () => {
    const cause = new TypeError("fetch failed", { cause: Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }) });
    const err = new NetworkError({ cause, method: "GET", url: "https://x/y" });
    expect(err.cause).toBe(cause);
    expect(err.message).toBe("GET https://x/y: network error: fetch failed socket hang up (ECONNRESET)");
    expect(isNetworkError(cause)).toBe(true);
    expect(isNetworkError(err)).toBe(true);
    expect(isNetworkError(new Error("boom"))).toBe(false);
  });

  it("InvalidInputError names what is wrong", () => {
    const err = new InvalidInputError({
      issues: [
        { path: "events[0].name", message: "is required" },
        { path: "events[1].timestamp", message: "must be an ISO date" },
      ],
    });
    expect(err.kind).toBe("invalid_input");
    expect(err.message).toBe("Invalid input: events[0].name: is required; events[1].timestamp: must be an ISO date");
    expect(err.issues).toHaveLength(2);
  });
});

describe("fieldErrors", () => {
  it("keeps the vendor field rejections on the error, redacted like the body", async () => {
    const { BadRequestError: E, Redactor: R } = await import("../src/index.js");
    const redactor = new R({ secrets: () => ["s3cr3t-value"] });
    const error = new E({
      status: 400,
      vendor: "acme",
      redactor,
      fieldErrors: [
        { field: "countryCode", message: "must have 0 or 3 characters", code: 12082, rejectedValue: "PLN1" },
        { field: "apiKey", message: "bad s3cr3t-value", rejectedValue: "s3cr3t-value" },
      ],
    });
    expect(error.fieldErrors?.[0]).toEqual({
      field: "countryCode",
      message: "must have 0 or 3 characters",
      code: 12082,
      rejectedValue: "PLN1",
    });
    expect(JSON.stringify(error)).not.toContain("s3cr3t-value");
    expect(error.fieldErrors).toHaveLength(2);
    expect(new E({ status: 400, fieldErrors: [] })).not.toHaveProperty("fieldErrors");
  });
});
