import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  body: string;
  json: unknown;
}

export type Handler = (req: Recorded, res: ServerResponse, hit: number) => void | Promise<void>;

/** A loopback server whose answers each test scripts, recording every request it receives. */
export async function startLocalServer(handler: Handler) {
  const requests: Recorded[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer(async (req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on("close", () => inFlight--);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: Recorded = { method: req.method ?? "", url: new URL(req.url ?? "/", "http://local"), headers: req.headers, body, json };
    requests.push(recorded);
    await handler(recorded, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

export const OK_ENVELOPE = { status: true, code: "20000", message: "OK", data: true };
