/**
 * A scripted HTTP server for tests. It listens on 127.0.0.1 on a free port, so requests cross real
 * sockets and the clients meet undici exactly as in production.
 *
 * A request is answered by the route "METHOD /path" (exact, query excluded), else by the first RegExp
 * route matching its path, else by the fallback handler, else with a 404. Every request is recorded,
 * body included, before its handler runs.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  /** Order of arrival, from 1 (reset() starts again). */
  readonly seq: number;
  /** Requests so far with this one's counter key (see TestServerOptions.countBy), this one included. */
  readonly hit: number;
  readonly method: string;
  /** Path and query exactly as requested. */
  readonly rawUrl: string;
  readonly url: URL;
  readonly path: string;
  /** The query string without `?` ("" when none). */
  readonly search: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  readonly json: unknown;
  /** The capture groups of the RegExp route that matched ("" for a group that took no part). */
  readonly params: string[];
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface TestServerOptions {
  /** Answers what no route matches (default: 404 naming the request). */
  fallback?: Handler;
  /** What `hit` and hits() count: per route (default), per path, or per path + query as requested. */
  countBy?: "route" | "path" | "url";
  /** The server's keep-alive timeout in ms (default: Node's). */
  keepAliveTimeout?: number;
}

export interface TestServer {
  /** e.g. http://127.0.0.1:40123 */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Adds or replaces a route: "METHOD /path", or a RegExp on the path (any method). */
  route(key: string | RegExp, handler: Handler): void;
  fallback(handler: Handler): void;
  /** Requests counted under `key`: a route key ("GET /x", String(regex), "*" for the rest), a path or a path + query (see countBy). */
  hits(key: string): number;
  /** The most requests ever open at once. */
  maxInFlight(): number;
  /** Forgets the recorded requests and the counters. */
  reset(): void;
  /** Runs `fn` after `ms`, unless the server is closed first. */
  delay(ms: number, fn: () => void): void;
  /** Fault: the connection drops before any byte of the answer. */
  resetBeforeHeaders(res: ServerResponse): void;
  /** Fault: headers promising `contentLength` bytes, `partial` of the body, then the connection drops `afterMs` later. */
  resetMidBody(res: ServerResponse, o: { partial: string; contentLength: number; afterMs: number; status?: number }): void;
  /** Fault: never answers (the connection drops after `maxMs` when given, else at close()). */
  hold(res: ServerResponse, maxMs?: number): void;
  /** Fault: headers at once (JSON, 200 unless given), `parts[0]` at once, then one part every `everyMs`; the last ends the body. */
  trickle(res: ServerResponse, parts: string[], everyMs: number, head?: { status?: number; headers?: Record<string, string> }): void;
  /** Ends open connections and timers, then stops listening. */
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

/** A URL on 127.0.0.1 where nothing listens: listen on port 0, then close. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const notFound: Handler = (req, res) =>
  json(res, 404, { status: 404, error: "Not Found", message: `no route ${req.method} ${req.path}`, path: req.path });

export async function createTestServer(options: TestServerOptions | Handler = {}): Promise<TestServer> {
  const {
    fallback: initialFallback,
    countBy = "route",
    keepAliveTimeout,
  } = typeof options === "function" ? { fallback: options } : options;
  const exact = new Map<string, Handler>();
  const patterns = new Map<string, [RegExp, Handler]>();
  let fallback = initialFallback ?? notFound;
  const requests: RecordedRequest[] = [];
  const counters = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;
  let closed = false;

  const delay = (ms: number, fn: () => void): void => {
    if (closed) return;
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const dispatch = (method: string, path: string): [string, Handler, string[]] => {
    const key = `${method} ${path}`;
    const handler = exact.get(key);
    if (handler) return [key, handler, []];
    for (const [name, [pattern, h]] of patterns) {
      const m = pattern.exec(path);
      if (m) return [name, h, m.slice(1).map((p) => p ?? "")];
    }
    return ["*", fallback, []];
  };

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const rawUrl = req.url ?? "/";
      const url = new URL(rawUrl, "http://127.0.0.1");
      const method = req.method ?? "GET";
      const body = Buffer.concat(chunks).toString("utf8");
      const [routeKey, handler, params] = dispatch(method, url.pathname);
      const counterKey = countBy === "url" ? rawUrl : countBy === "path" ? url.pathname : routeKey;
      const hit = (counters.get(counterKey) ?? 0) + 1;
      counters.set(counterKey, hit);
      let parsed: { value: unknown } | undefined;
      const rec: RecordedRequest = {
        seq: requests.length + 1,
        hit,
        method,
        rawUrl,
        url,
        path: url.pathname,
        search: url.search.replace(/^\?/, ""),
        query: url.searchParams,
        headers: req.headers,
        body,
        get json() {
          if (!parsed) {
            try {
              parsed = { value: body ? JSON.parse(body) : undefined };
            } catch {
              parsed = { value: undefined };
            }
          }
          return parsed.value;
        },
        params,
      };
      requests.push(rec);
      const fail = (error: unknown): void => {
        if (res.headersSent) res.destroy();
        else json(res, 500, { status: 500, message: String(error) });
      };
      try {
        void Promise.resolve(handler(rec, res)).catch(fail);
      } catch (error) {
        fail(error);
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  if (keepAliveTimeout !== undefined) server.keepAliveTimeout = keepAliveTimeout;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    route: (key, handler) => {
      if (typeof key === "string") exact.set(key, handler);
      else patterns.set(String(key), [key, handler]);
    },
    fallback: (handler) => void (fallback = handler),
    hits: (key) => counters.get(key) ?? 0,
    maxInFlight: () => maxInFlight,
    reset: () => {
      requests.length = 0;
      counters.clear();
    },
    delay,
    resetBeforeHeaders: (res) => void res.socket?.destroy(),
    resetMidBody: (res, o) => {
      res.writeHead(o.status ?? 200, { "content-type": "application/json", "content-length": String(o.contentLength) });
      res.write(o.partial, () => delay(o.afterMs, () => res.socket?.destroy()));
    },
    hold: (res, maxMs) => {
      if (maxMs !== undefined) delay(maxMs, () => res.socket?.destroy());
    },
    trickle: (res, parts, everyMs, head = {}) => {
      res.writeHead(head.status ?? 200, { "content-type": "application/json", ...head.headers });
      let next = 0;
      const tick = (): void => {
        if (res.destroyed || res.writableEnded) return;
        const part = parts[next++] ?? "";
        if (next >= parts.length) return void res.end(part);
        res.write(part);
        delay(everyMs, tick);
      };
      tick();
    },
    close: async () => {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
