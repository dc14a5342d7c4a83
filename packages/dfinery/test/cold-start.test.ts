/**
 * Importing the client and creating one loads no HTTP stack: neither npm undici (the Node transport's
 * Agent, loaded at the first request) nor the runtime's bundled undici behind the `Request`/`Response`
 * globals (read at the first request, not at import). Each costs tens of ms in every process that
 * starts (bench/cold-start.mjs measures it); a fresh process checks what was loaded, as built (dist).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createTestServer, json } from "@cdpkit/testkit";
import { expect, it } from "vitest";

const run = promisify(execFile);
const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

const PROGRAM = `
import { createRequire } from "node:module";
const httpStack = () => ({
  runtimeUndici: process.moduleLoadList.some((m) => m.includes("deps/undici")),
  npmUndici: Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes("/undici/")),
});
const { createDfineryClient } = await import(process.env.DIST);
const client = createDfineryClient({ serviceId: "svc", importToken: "import-token", baseUrl: process.env.BASE_URL });
const created = httpStack();
const { data } = await client.POST("/api/v1/identities", { body: { identity: { external_id: "u1" }, request_datetime: new Date().toISOString() } });
console.log(JSON.stringify({ created, afterCall: httpStack(), status: data.status }));
`;

it("a fresh process that imports @cdpkit/dfinery and creates a client has loaded no undici; its first call loads it and succeeds", async () => {
  const server = await createTestServer((_req, res) => json(res, 200, { status: true, code: "OK", message: "ok" }));
  try {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", PROGRAM], {
      env: { ...process.env, DIST: dist, BASE_URL: server.url },
    });
    expect(JSON.parse(stdout)).toEqual({
      created: { runtimeUndici: false, npmUndici: false },
      afterCall: { runtimeUndici: true, npmUndici: true },
      status: true,
    });
  } finally {
    await server.close();
  }
});
