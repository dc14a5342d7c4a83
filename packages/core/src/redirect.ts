import { discardBody } from "./body.js";
import { RedirectError } from "./errors.js";
import type { FetchLayer } from "./fetch.js";
import { createCall, hasBody, ReplayableRequest, type Call } from "./call.js";
import { defaultRedactor, type Redactor } from "./redact.js";

export interface RedirectOptions {
  /** Hops followed before a RedirectError. Default 5. */
  maxRedirects?: number;
  /** Whether the request may be sent again as it is (same method and body), e.g. by a 307. */
  isSafeToRepeat: (request: Request, call: Call) => boolean;
  /**
   * A non-GET request whose 301/302/303 answer points at the result to fetch with GET, e.g. an
   * export whose docs say `curl -L`. Any other write answered that way did not succeed here.
   */
  followsAsGet?: (request: Request, call: Call) => boolean;
  vendor?: string;
  redactor?: Redactor;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** What still goes to another origin: nothing that could carry a credential. */
const CROSS_ORIGIN_HEADERS = ["accept", "accept-language", "user-agent"];

/**
 * Follows redirects by hand (the base fetch runs with `redirect: "manual"`), only where that is safe:
 *  - a credential (header, query or body token) never goes to another origin: a cross-origin hop
 *    carries only Accept / User-Agent, no body, and the sensitive query parameters are dropped;
 *  - a request is re-sent as it is (307/308) only when it is safe to repeat;
 *  - a write turned into a GET (301/302/303) is never the write's success: RedirectError, unless the
 *    operation documents that its result is fetched that way (`followsAsGet`);
 *  - at most `maxRedirects` hops, then a RedirectError naming the last Location.
 */
export function withRedirects(options: RedirectOptions): FetchLayer {
  const max = options.maxRedirects ?? 5;
  const redactor = options.redactor ?? defaultRedactor;
  return (next) =>
    async (request, call = createCall(request)) => {
      let response = await next(request, call);
      if (!REDIRECTS.has(response.status)) return response;
      const origin = new URL(request.url).origin;
      let current = request;
      let hopCall = call;
      for (let hops = 0; REDIRECTS.has(response.status); hops++) {
        const location = response.headers.get("location");
        // Nothing to follow: the caller gets the 3xx as an error answer.
        if (location === null || location === "") return response;
        const status = response.status;
        const fail = (why: string): RedirectError =>
          new RedirectError({
            status,
            location,
            method: request.method,
            url: request.url,
            redactor,
            message: `${options.vendor ? `${options.vendor} ` : ""}${request.method} ${redactor.redactUrl(request.url)} was answered ${status} to ${redactor.redactUrl(location)}: ${why}`,
            ...(options.vendor === undefined ? {} : { vendor: options.vendor }),
          });
        await discardBody(response);
        if (hops >= max) throw fail(`more than ${max} redirects; not followed`);
        let target: URL;
        try {
          target = new URL(location, current.url);
        } catch {
          throw fail("the Location is not a URL");
        }
        const method = current.method.toUpperCase();
        const asGet =
          method !== "GET" && method !== "HEAD" && (status === 303 || ((status === 301 || status === 302) && method === "POST"));
        if (asGet && !options.followsAsGet?.(request, call)) {
          throw fail(`the ${method} did not complete here (a redirect that turns it into a GET is not its success); not followed`);
        }
        const withBody = !asGet && hasBody(current);
        if (withBody && !options.isSafeToRepeat(request, call)) throw fail(`the ${method} is not safe to send again; not re-sent`);
        const crossOrigin = target.origin !== origin;
        if (crossOrigin && withBody) throw fail("a request with a body is not sent to another origin (it may carry a credential)");

        let headers: Headers;
        if (crossOrigin) {
          headers = new Headers();
          for (const name of CROSS_ORIGIN_HEADERS) {
            const value = current.headers.get(name);
            if (value !== null) headers.set(name, value);
          }
          for (const name of [...target.searchParams.keys()]) if (redactor.isSensitiveKey(name)) target.searchParams.delete(name);
        } else {
          headers = new Headers(current.headers);
          if (asGet) for (const name of ["content-type", "content-length"]) headers.delete(name);
        }
        const init: RequestInit = { method: asGet ? "GET" : method, headers, signal: current.signal, redirect: "manual" };
        if (withBody) {
          if (hopCall.body === undefined) throw fail("the body was a stream and cannot be sent again; not re-sent");
          init.body = hopCall.body;
        }
        current = new ReplayableRequest(target, init);
        // The call goes along (signal, deadline); a hop turned into a GET carries no body.
        hopCall = asGet ? { ...hopCall, body: undefined } : hopCall;
        response = await next(current, hopCall);
      }
      return response;
    };
}
