/**
 * A tiny scripted HTTP server for resilience tests. Requests cross real sockets so the
 * layers are exercised against undici exactly as in production.
 *
 * Every route counts hits per full URL (path + query), so tests add `?t=<name>` to get their
 * own counter. Times in reset headers come from the `now` function the test passes in (the
 * same manual clock the client uses), which makes the expected waits exact.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FaultServer {
  url: string;
  /** Hits so far for a path (+ query, as requested). */
  hits(pathAndQuery: string): number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, ctx: { hit: number; body: string; params: string[]; query: URLSearchParams }) => void;

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

export async function startFaultServer(options: { now?: () => number } = {}): Promise<FaultServer> {
  const now = options.now ?? Date.now;
  const counters = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const routes: Array<[RegExp, Handler]> = [
    [/^\/ok$/, (_req, res, { hit }) => json(res, 200, { ok: true, hit })],
    // 429 + Retry-After in seconds
    [/^\/retry-after\/(\d+)$/, (_req, res, { params, hit }) => {
      if (hit > 1) return json(res, 200, { ok: true, hit });
      json(res, 429, { error: 'slow down' }, { 'retry-after': params[0] ?? '1' });
    }],
    // 429 + DFINERY style x-ratelimit-reset as epoch milliseconds, then 200
    [/^\/reset-ms\/(\d+)$/, (_req, res, { params, hit }) => {
      if (hit > 1) return json(res, 200, { ok: true, hit });
      const resetAt = now() + Number(params[0]);
      json(res, 429, { error: 'limited' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetAt) });
    }],
    // 429 + X-Rate-Limit-Reset as epoch seconds, then 200
    [/^\/reset-s\/(\d+)$/, (_req, res, { params, hit }) => {
      if (hit > 1) return json(res, 200, { ok: true, hit });
      const resetAt = Math.floor(now() / 1000) + Number(params[0]);
      json(res, 429, { error: 'limited' }, { 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': String(resetAt) });
    }],
    // Always this status.
    [/^\/status\/(\d+)$/, (req, res, { params, hit }) => json(res, Number(params[0]), { error: 'scripted', hit, ...(req.headers['x-echo'] ? { echo: req.headers['x-echo'] } : {}) })],
    // The first n hits answer `code`, then 200.
    [/^\/flaky\/(\d+)\/(\d+)$/, (_req, res, { params, hit }) => {
      if (hit <= Number(params[0])) return json(res, Number(params[1]), { error: 'flaky', hit });
      json(res, 200, { ok: true, hit });
    }],
    // Connection reset (no response at all) for the first n hits (n = 99 means always).
    [/^\/reset-conn\/(\d+)$/, (req, res, { params, hit }) => {
      if (hit <= Number(params[0])) return req.socket.destroy();
      json(res, 200, { ok: true, hit });
    }],
    // Headers only after `ms`.
    [/^\/slow-headers\/(\d+)$/, (_req, res, { params, hit }) => later(Number(params[0]), () => json(res, 200, { ok: true, hit }))],
    // Headers at once, then 10 chunks `ms` apart.
    [/^\/slow-body\/(\d+)$/, (_req, res, { params }) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      let sent = 0;
      const tick = (): void => {
        if (res.destroyed) return;
        sent++;
        if (sent === 10) return void res.end(`${sent}]`);
        res.write(`${sent},`);
        later(Number(params[0]), tick);
      };
      later(Number(params[0]), tick);
    }],
    [/^\/malformed-json$/, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok": tru');
    }],
    // Echo after `n` failures with 503 (n = 0: plain echo). Proves the body survives retries.
    [/^\/echo(?:\/(\d+))?$/, (req, res, { params, hit, body }) => {
      if (hit <= Number(params[0] ?? 0)) return json(res, 503, { error: 'try again', hit });
      json(res, 200, { method: req.method, body, hit, idempotencyKey: req.headers['idempotency-key'] ?? null });
    }],
    // What arrived: method, path + query, the headers a credential may use, and the body.
    [/^\/inspect(?:\/.*)?$/, (req, res, { hit, body }) => {
      json(res, 200, {
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization ?? null,
        apiKey: req.headers['x-api-key'] ?? null,
        body,
        hit,
      });
    }],
    // A redirect: /redirect/<status>?to=<absolute or relative Location>
    [/^\/redirect\/(\d+)$/, (_req, res, { params, query }) => {
      res.writeHead(Number(params[0]), { location: query.get('to') ?? '/inspect' });
      res.end();
    }],
    // A redirect to itself, forever.
    [/^\/loop$/, (_req, res) => {
      res.writeHead(307, { location: '/loop' });
      res.end();
    }],
    // Headers and half a body, then the connection drops, for the first n hits; then 200.
    [/^\/mid-body-reset\/(\d+)$/, (req, res, { params, hit }) => {
      if (hit > Number(params[0])) return json(res, 200, { ok: true, hit });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"ok": true, "pad": "');
      setTimeout(() => req.socket.destroy(), 5);
    }],
    // A 2xx (or ?status=) JSON string body of n bytes, chunked (no length) unless ?length=1.
    [/^\/big\/(\d+)$/, (_req, res, { params, query }) => {
      const size = Number(params[0]);
      const headers: Record<string, string> = { 'content-type': query.get('type') ?? 'application/json' };
      if (query.get('length') === '1') headers['content-length'] = String(size + 2);
      res.writeHead(Number(query.get('status') ?? 200), headers);
      const chunk = 'x'.repeat(64 * 1024);
      let left = size;
      res.write('"');
      const pump = (): void => {
        while (left > 0) {
          const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
          left -= piece.length;
          if (!res.write(piece)) return void res.once('drain', pump);
        }
        res.end('"');
      };
      pump();
    }],
    // 200 with an empty body, chunked (no content-length).
    [/^\/empty-chunked$/, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      res.end();
    }],
    // 200 with budget headers: ?remaining=&resetIn=(ms from now(), as epoch ms)
    [/^\/budget$/, (_req, res, { query, hit }) => {
      const headers: Record<string, string> = { 'x-ratelimit-limit': '10' };
      const remaining = query.get('remaining');
      if (remaining !== null) headers['x-ratelimit-remaining'] = remaining;
      const resetIn = query.get('resetIn');
      if (resetIn !== null) headers['x-ratelimit-reset'] = String(now() + Number(resetIn));
      json(res, 200, { ok: true, hit }, headers);
    }],
  ];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = req.url ?? '/';
      const hit = (counters.get(key) ?? 0) + 1;
      counters.set(key, hit);
      const url = new URL(key, 'http://localhost');
      for (const [pattern, handler] of routes) {
        const m = pattern.exec(url.pathname);
        if (m) {
          handler(req, res, { hit, body: Buffer.concat(chunks).toString('utf8'), params: m.slice(1).map((p) => p ?? ''), query: url.searchParams });
          return;
        }
      }
      json(res, 404, { error: 'no such route' });
    });
  });
  // Keep-alive sockets would hold `close()` open.
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits: (path) => counters.get(path) ?? 0,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
