// Throughput benchmark, all in one run on loopback: undici.request (the ceiling), raw fetch, bare
// openapi-fetch and the DFINERY client with every policy on (retry, rate limit, timeouts, auth,
// envelope check). Prints requests/s and ratios against baselines measured in the same run.
// Target: the full client keeps >= 0.9x the throughput of bare openapi-fetch. Exits 1 if missed.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import createClient from "openapi-fetch";
import { Agent, request as undiciRequest } from "undici";
import { createDfineryClient } from "@cdpkit/dfinery";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const REQUESTS = Number(args.get("requests") ?? 4000);
const CONCURRENCY = Number(args.get("concurrency") ?? 16);
const ROUNDS = Number(args.get("rounds") ?? 9);
const TARGET = 0.9;

const child = fork(fileURLToPath(new URL("./server.mjs", import.meta.url)), { stdio: "inherit" });
const port = await new Promise((resolve) => child.once("message", (m) => resolve(m.port)));
const baseUrl = `http://127.0.0.1:${port}`;
const path = "/api/v1/identities";
const url = `${baseUrl}${path}?service_id=bench`;
const makeBody = () => ({ identity: { external_id: "dfn-user-123" }, request_datetime: new Date().toISOString() });
const headers = { "content-type": "application/json", access_token: "bench-token" };

const agent = new Agent({ connections: CONCURRENCY, pipelining: 1 });
const bare = createClient({ baseUrl });
const client = createDfineryClient({
  serviceId: "bench",
  importToken: "bench-token",
  baseUrl,
  // Every policy on; limits raised so the limiter does its bookkeeping without throttling the run.
  rateLimit: { rules: { identity: { limit: 1e9, intervalMs: 60_000 } } },
  retry: { maxAttempts: 4 },
  timeoutMs: 30_000,
  totalTimeoutMs: 120_000,
});

const variants = {
  "undici.request": async () => {
    const res = await undiciRequest(url, { method: "POST", headers, body: JSON.stringify(makeBody()), dispatcher: agent });
    const data = await res.body.json();
    if (!data.status) throw new Error("bad body");
  },
  "fetch": async () => {
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(makeBody()) });
    const data = await res.json();
    if (!data.status) throw new Error("bad body");
  },
  "openapi-fetch": async () => {
    const { data } = await bare.POST(path, { params: { query: { service_id: "bench" } }, headers: { access_token: "bench-token" }, body: makeBody() });
    if (!data.status) throw new Error("bad body");
  },
  "@cdpkit/dfinery": async () => {
    const { data } = await client.POST(path, { body: makeBody() });
    if (!data.status) throw new Error("bad body");
  },
};

async function measure(call, requests) {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < requests) await call();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return requests / seconds;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (const call of Object.values(variants)) await measure(call, 500); // warm up every path
for (let round = 0; round < ROUNDS; round++) {
  // Interleave variants each round so drift in machine load hits all of them alike.
  for (const [name, call] of Object.entries(variants)) results[name].push(await measure(call, REQUESTS));
}
child.disconnect();
await agent.close();

const rps = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
console.log(`\nthroughput on loopback: ${REQUESTS} POST requests x ${ROUNDS} rounds, concurrency ${CONCURRENCY}, median of rounds`);
console.log(`node ${process.version}\n`);
console.log(`${"variant".padEnd(18)} ${"req/s".padStart(9)} ${"vs undici".padStart(10)} ${"vs openapi-fetch".padStart(17)}`);
for (const [name, value] of Object.entries(rps)) {
  console.log(
    `${name.padEnd(18)} ${value.toFixed(0).padStart(9)} ${(value / rps["undici.request"]).toFixed(2).padStart(9)}x ${(value / rps["openapi-fetch"]).toFixed(2).padStart(16)}x`,
  );
}
// The verdict compares the two variants round by round (paired: same machine state), median of the
// per-round ratios, which a noisy shared machine moves far less than a ratio of separate medians.
const ratio = median(results["@cdpkit/dfinery"].map((v, i) => v / results["openapi-fetch"][i]));
const verdict = ratio >= TARGET ? "met" : "MISSED";
const rounds = results["@cdpkit/dfinery"].map((v, i) => (v / results["openapi-fetch"][i]).toFixed(2)).join(" ");
console.log(`\n@cdpkit/dfinery / openapi-fetch per round: ${rounds}`);
console.log(`target: @cdpkit/dfinery with every policy >= ${TARGET}x bare openapi-fetch: ${ratio.toFixed(2)}x (median of rounds), ${verdict}`);
if (ratio < TARGET) process.exitCode = 1;
