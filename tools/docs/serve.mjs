#!/usr/bin/env node
// Serves the built site from 127.0.0.1 (the browser test, and `node serve.mjs` to read it locally).
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultSiteDir } from "./build.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/** @returns {Promise<{ url: string, close: () => Promise<void> }>} */
export async function serveSite(siteDir = defaultSiteDir, port = 0) {
  const root = resolve(siteDir);
  const server = createServer(async (request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://site").pathname);
    let file = join(root, pathname);
    // No path outside the site, whatever the request says.
    if (file !== root && !file.startsWith(root + sep)) return void response.writeHead(403).end();
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      await stat(file);
    } catch {
      return void response.writeHead(404, { "content-type": "text/plain" }).end(`not in the site: ${pathname}`);
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(response);
  });
  await new Promise((listening, failed) => server.once("error", failed).listen(port, "127.0.0.1", () => listening(undefined)));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("the site server has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((closed) => server.close(() => closed(undefined))),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const site = await serveSite(process.argv[2] ?? defaultSiteDir, Number(process.env.PORT ?? 0));
  console.log(`docs: serving ${process.argv[2] ?? defaultSiteDir} at ${site.url}/ (Ctrl-C stops)`);
}
