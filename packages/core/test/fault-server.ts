/**
 * A tiny scripted HTTP server for resilience tests: the routes below on the test kit's server
 * (@cdpkit/testkit). Requests cross real sockets so the layers are exercised against undici exactly
 * as in production.
 *
 * Every route counts hits per full URL (path + query), so tests add `?t=<name>` to get their
 * own counter. Times in reset headers come from the `now` function the test passes in (the
 * same manual clock the client uses), which makes the expected waits exact.
 */
import { createTestServer, json, type Handler } from "@cdpkit/testkit";

export interface FaultServer {
  url: string;
  /** Hits so far for a path (+ query, as requested). */
  hits(pathAndQuery: string): number;
  close(): Promise<void>;
}

export async function startFaultServer(options: { now?: () => number } = {}): Promise<FaultServer> {
  const now = options.now ?? Date.now;
  // Keep-alive sockets would hold `close()` open.
  const server = await createTestServer({ countBy: "url", keepAliveTimeout: 1 });
  const routes: Array<[RegExp, Handler]> = [
    [/^\/ok$/, ({ hit }, res) => json(res, 200, { ok: true, hit })],
    // 429 + Retry-After in seconds
    [
      /^\/retry-after\/(\d+)$/,
      ({ params, hit }, res) => {
        if (hit > 1) return json(res, 200, { ok: true, hit });
        json(res, 429, { error: "slow down" }, { "retry-after": params[0] ?? "1" });
      },
    ],
    // 429 + DFINERY style x-ratelimit-reset as epoch milliseconds, then 200
    [
      /^\/reset-ms\/(\d+)$/,
      ({ params, hit }, res) => {
        if (hit > 1) return json(res, 200, { ok: true, hit });
        const resetAt = now() + Number(params[0]);
        json(res, 429, { error: "limited" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(resetAt) });
      },
    ],
    // 429 + X-Rate-Limit-Reset as epoch seconds, then 200
    [
      /^\/reset-s\/(\d+)$/,
      ({ params, hit }, res) => {
        if (hit > 1) return json(res, 200, { ok: true, hit });
        const resetAt = Math.floor(now() / 1000) + Number(params[0]);
        json(res, 429, { error: "limited" }, { "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": String(resetAt) });
      },
    ],
    // Always this status.
    [
      /^\/status\/(\d+)$/,
      ({ headers, params, hit }, res) =>
        json(res, Number(params[0]), { error: "scripted", hit, ...(headers["x-echo"] ? { echo: headers["x-echo"] } : {}) }),
    ],
    // The first n hits answer `code`, then 200.
    [
      /^\/flaky\/(\d+)\/(\d+)$/,
      ({ params, hit }, res) => {
        if (hit <= Number(params[0])) return json(res, Number(params[1]), { error: "flaky", hit });
        json(res, 200, { ok: true, hit });
      },
    ],
    // Connection reset (no response at all) for the first n hits (n = 99 means always).
    [
      /^\/reset-conn\/(\d+)$/,
      ({ params, hit }, res) => {
        if (hit <= Number(params[0])) return server.resetBeforeHeaders(res);
        json(res, 200, { ok: true, hit });
      },
    ],
    // Headers only after `ms`.
    [/^\/slow-headers\/(\d+)$/, ({ params, hit }, res) => server.delay(Number(params[0]), () => json(res, 200, { ok: true, hit }))],
    // Headers at once, then 10 chunks `ms` apart.
    [
      /^\/slow-body\/(\d+)$/,
      ({ params }, res) => server.trickle(res, ["[", ...Array.from({ length: 9 }, (_, n) => `${n + 1},`), "10]"], Number(params[0])),
    ],
    [
      /^\/malformed-json$/,
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"ok": tru');
      },
    ],
    // Echo after `n` failures with 503 (n = 0: plain echo). Proves the body survives retries.
    [
      /^\/echo(?:\/(\d+))?$/,
      ({ method, headers, params, hit, body }, res) => {
        if (hit <= Number(params[0] ?? 0)) return json(res, 503, { error: "try again", hit });
        json(res, 200, { method, body, hit, idempotencyKey: headers["idempotency-key"] ?? null });
      },
    ],
    // What arrived: method, path + query, the headers a credential may use, and the body.
    [
      /^\/inspect(?:\/.*)?$/,
      ({ method, rawUrl, headers, hit, body }, res) => {
        json(res, 200, {
          method,
          url: rawUrl,
          authorization: headers.authorization ?? null,
          apiKey: headers["x-api-key"] ?? null,
          body,
          hit,
        });
      },
    ],
    // A redirect: /redirect/<status>?to=<absolute or relative Location>
    [
      /^\/redirect\/(\d+)$/,
      ({ params, query }, res) => {
        res.writeHead(Number(params[0]), { location: query.get("to") ?? "/inspect" });
        res.end();
      },
    ],
    // A redirect to itself, forever.
    [
      /^\/loop$/,
      (_req, res) => {
        res.writeHead(307, { location: "/loop" });
        res.end();
      },
    ],
    // Headers and half a body, then the connection drops, for the first n hits; then 200.
    [
      /^\/mid-body-reset\/(\d+)$/,
      ({ params, hit }, res) => {
        if (hit > Number(params[0])) return json(res, 200, { ok: true, hit });
        server.resetMidBody(res, { contentLength: 100, partial: '{"ok": true, "pad": "', afterMs: 5 });
      },
    ],
    // A 2xx (or ?status=) JSON string body of n bytes, chunked (no length) unless ?length=1.
    [
      /^\/big\/(\d+)$/,
      ({ params, query }, res) => {
        const size = Number(params[0]);
        const headers: Record<string, string> = { "content-type": query.get("type") ?? "application/json" };
        if (query.get("length") === "1") headers["content-length"] = String(size + 2);
        res.writeHead(Number(query.get("status") ?? 200), headers);
        const chunk = "x".repeat(64 * 1024);
        let left = size;
        res.write('"');
        const pump = (): void => {
          while (left > 0) {
            const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
            left -= piece.length;
            if (!res.write(piece)) return void res.once("drain", pump);
          }
          res.end('"');
        };
        pump();
      },
    ],
    // 200 with an empty body, chunked (no content-length).
    [
      /^\/empty-chunked$/,
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        res.end();
      },
    ],
    // 200 with budget headers: ?remaining=&resetIn=(ms from now(), as epoch ms)
    [
      /^\/budget$/,
      ({ query, hit }, res) => {
        const headers: Record<string, string> = { "x-ratelimit-limit": "10" };
        const remaining = query.get("remaining");
        if (remaining !== null) headers["x-ratelimit-remaining"] = remaining;
        const resetIn = query.get("resetIn");
        if (resetIn !== null) headers["x-ratelimit-reset"] = String(now() + Number(resetIn));
        json(res, 200, { ok: true, hit }, headers);
      },
    ],
  ];
  for (const [pattern, handler] of routes) server.route(pattern, handler);
  server.fallback((_req, res) => json(res, 404, { error: "no such route" }));
  return { url: server.url, hits: (pathAndQuery) => server.hits(pathAndQuery), close: () => server.close() };
}
