import { fork } from "node:child_process";
import createClient from "openapi-fetch";
import { createDfineryClient } from "@cdpkit/dfinery";
const child = fork("/work/main/bench/server.mjs", { stdio: "inherit" });
const port = await new Promise((r) => child.once("message", (m) => r(m.port)));
const baseUrl = `http://127.0.0.1:${port}`;
const path = "/api/v1/identities";
const makeBody = () => ({ identity: { external_id: "dfn-user-123" }, request_datetime: new Date().toISOString() });
const mk = (o) => createDfineryClient({ serviceId: "bench", importToken: "bench-token", baseUrl, rateLimit: { rules: { identity: { limit: 1e9, intervalMs: 60000 } } }, ...o });
const bare = createClient({ baseUrl });
const variants = {
  bare: () => bare.POST(path, { params: { query: { service_id: "bench" } }, headers: { access_token: "bench-token" }, body: makeBody() }),
  full: ((c) => () => c.POST(path, { body: makeBody() }))(mk({})),
  noRetry: ((c) => () => c.POST(path, { body: makeBody() }))(mk({ retry: false })),
  noRL: ((c) => () => c.POST(path, { body: makeBody() }))(mk({ rateLimit: false })),
  noTimeouts: ((c) => () => c.POST(path, { body: makeBody() }))(mk({ timeoutMs: 0, totalTimeoutMs: 0 })),
  none: ((c) => () => c.POST(path, { body: makeBody() }))(mk({ retry: false, rateLimit: false, timeoutMs: 0, totalTimeoutMs: 0 })),
};
async function measure(call, n) { let i = 0; const s = performance.now(); await Promise.all(Array.from({ length: 16 }, async () => { while (i++ < n) { const r = await call(); if (!r.data?.status) throw new Error("bad"); } })); return n / ((performance.now() - s) / 1000); }
const only = process.argv[2];
const res = {};
for (const [k, c] of Object.entries(variants)) if (!only || only === k) await measure(c, 500);
for (let r = 0; r < 3; r++) for (const [k, c] of Object.entries(variants)) if (!only || only === k) (res[k] ??= []).push(await measure(c, 3000));
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(12), v.sort((a,b)=>a-b)[1].toFixed(0));
child.disconnect();
