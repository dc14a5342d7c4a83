import { describe, expect, it } from "vitest";
import { parseRateLimitHeaders, parseRetryAfter } from "../src/headers.js";
import { START } from "./helpers.js";

describe("parseRetryAfter", () => {
  it("reads delta seconds, HTTP-dates and retry-after-ms", () => {
    expect(parseRetryAfter(new Headers({ "retry-after": "5" }), START)).toBe(5000);
    expect(parseRetryAfter(new Headers({ "retry-after": new Date(START + 8000).toUTCString() }), START)).toBe(8000);
    expect(parseRetryAfter(new Headers({ "retry-after": new Date(START - 8000).toUTCString() }), START)).toBe(0);
    expect(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "5" }), START)).toBe(250);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), START)).toBeUndefined();
    expect(parseRetryAfter(new Headers(), START)).toBeUndefined();
  });
});

describe("parseRateLimitHeaders", () => {
  it("reads DFINERY epoch milliseconds (x-ratelimit-reset)", () => {
    const h = new Headers({ "x-ratelimit-limit": "100", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1682593200268" });
    expect(parseRateLimitHeaders(h, START)).toEqual({ limit: "100", remaining: 0, resetAt: 1682593200268 });
  });

  it("reads DFINERY epoch seconds (X-Rate-Limit-Reset)", () => {
    const h = new Headers({ "X-Rate-Limit-Remaining": "7", "X-Rate-Limit-Reset": "1719397769" });
    expect(parseRateLimitHeaders(h, START)).toEqual({ remaining: 7, resetAt: 1719397769000 });
  });

  it("reads IETF delta seconds (RateLimit-Reset)", () => {
    const h = new Headers({ "RateLimit-Limit": "10, 10;w=1", "RateLimit-Remaining": "3", "RateLimit-Reset": "2" });
    expect(parseRateLimitHeaders(h, START)).toEqual({ limit: "10, 10;w=1", remaining: 3, resetAt: START + 2000 });
  });

  it("returns nothing when there are no such headers", () => {
    expect(parseRateLimitHeaders(new Headers({ "content-type": "text/plain" }), START)).toEqual({});
  });
});
