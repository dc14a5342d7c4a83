/**
 * A scripted stand-in for api.synerise.com where a test needs what Prism cannot do: issue real
 * expiring JWTs, revoke them (401), count logins, fail chunks of a batch. Requests cross real HTTP.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Handler = (req: Seen, res: ServerResponse) => void | Promise<void>;

export interface LocalServer {
  url: string;
  seen: Seen[];
  /** Routes by "METHOD /path" (exact, query excluded); unmatched requests get 404. */
  route(key: string, handler: Handler): void;
  close(): Promise<void>;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body === undefined ? "" : JSON.stringify(body));
}

/** An unsigned JWT whose payload carries `exp` (seconds) — enough for the client to schedule refreshes. */
export function makeJwt(payload: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS512" })}.${part(payload)}.c2lnbmF0dXJl`;
}

export async function startLocalServer(): Promise<LocalServer> {
  const routes = new Map<string, Handler>();
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://local");
      const entry: Seen = { method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      seen.push(entry);
      const handler = routes.get(`${entry.method} ${entry.path}`);
      if (!handler) return json(res, 404, { status: 404, error: "Not Found", message: `no route ${entry.method} ${entry.path}`, path: entry.path });
      Promise.resolve(handler(entry, res)).catch((error: unknown) => json(res, 500, { status: 500, message: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    route: (key, handler) => void routes.set(key, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
