// Throughput benchmark, all in one run on loopback: undici.request (the ceiling), raw fetch, bare
// openapi-fetch, the DFINERY client with every policy on (retry, rate limit, timeouts, auth,
// envelope check) over the default fetch, and the same client over a custom fetch backed by an npm
// undici Agent. Prints requests/s and ratios against baselines measured in the same run.
// Targets: the full client keeps >= 0.9x the throughput of bare openapi-fetch, and the client with a
// custom fetch keeps >= 1.0x the client over the default fetch. Exits 1 if either is missed.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import createClient from "openapi-fetch";
import { createDfineryClient } from "@cdpkit/dfinery";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=")));
const REQUESTS = Number(args.get("requests") ?? 4000);
const CONCURRENCY = Number(args.get("concurrency") ?? 16);
const ROUNDS = Number(args.get("rounds") ?? 9);
const TARGET = 0.9;
const CUSTOM_FETCH_TARGET = 1.0;

// One variant's import must not change another variant's transport. Node's fetch and npm undici
// share the global dispatcher slot Symbol.for("undici.globalDispatcher.1"); npm undici's lib/global.js
// fills it with its own Agent when it is empty at import time, and Node 20 loads its bundled undici
// (which fills it with Node's Agent) only on the first fetch. The old static `import ... from "undici"`
// ran first, so "fetch", "openapi-fetch" and "@cdpkit/dfinery" were all sent through npm undici
// 7.x's Agent, not Node's. Verified on Node 20.20.2 + undici 7.30.2: slot empty at start, npm Agent
// after a bare import of undici; after one fetch() it holds Node's Agent, and a later import of
// undici leaves that same object in place. So: fetch once (a data: URL, no network) to install
// Node's own dispatcher, import undici after that, and refuse to run if the slot changed.
const DISPATCHER = Symbol.for("undici.globalDispatcher.1");
await (await fetch("data:,")).text();
const nativeDispatcher = globalThis[DISPATCHER];
if (nativeDispatcher === undefined) throw new Error("bench: Node's fetch did not install its global dispatcher");
const { Agent, fetch: undiciFetch, request: undiciRequest } = await import("undici");
if (globalThis[DISPATCHER] !== nativeDispatcher || nativeDispatcher instanceof Agent) {
  throw new Error("bench: importing npm undici replaced the global dispatcher the fetch variants use");
}

const child = fork(fileURLToPath(new URL("./server.mjs", import.meta.url)), { stdio: "inherit" });
const port = await new Promise((resolve) => child.once("message", (m) => resolve(m.port)));
const baseUrl = `http://127.0.0.1:${port}`;
const path = "/api/v1/identities";
const url = `${baseUrl}${path}?service_id=bench`;
const makeBody = () => ({ identity: { external_id: "dfn-user-123" }, request_datetime: new Date().toISOString() });
const headers = { "content-type": "application/json", access_token: "bench-token" };

const agent = new Agent({ connections: CONCURRENCY, pipelining: 1 });
// The custom fetch's own keep-alive pool (not shared with undici.request), idle sockets kept as long
// as the server keeps them (server.mjs keepAliveTimeout 60 s).
const customAgent = new Agent({ connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 60_000 });
// A custom fetch exactly as a user would write it: core calls every fetch as fetch(url, init), so
// npm undici's fetch (which does not accept Node's own Request objects) works as is.
const customFetch = (input, init) => undiciFetch(input, { ...init, dispatcher: customAgent });
const bare = createClient({ baseUrl });
const clientOptions = {
  serviceId: "bench",
  importToken: "bench-token",
  baseUrl,
  // Every policy on; limits raised so the limiter does its bookkeeping without throttling the run.
  rateLimit: { rules: { identity: { limit: 1e9, intervalMs: 60_000 } } },
  retry: { maxAttempts: 4 },
  timeoutMs: 30_000,
  totalTimeoutMs: 120_000,
};
const client = createDfineryClient(clientOptions);
const customClient = createDfineryClient({ ...clientOptions, fetch: customFetch });

const variants = {
  "undici.request": async () => {
    const res = await undiciRequest(url, { method: "POST", headers, body: JSON.stringify(makeBody()), dispatcher: agent });
    const data = await res.body.json();
    if (!data.status) throw new Error("bad body");
  },
  fetch: async () => {
    const res = await fetch(url, { method: "POST", headers, body: JSON.stringify(makeBody()) });
    const data = await res.json();
    if (!data.status) throw new Error("bad body");
  },
  "openapi-fetch": async () => {
    const { data } = await bare.POST(path, {
      params: { query: { service_id: "bench" } },
      headers: { access_token: "bench-token" },
      body: makeBody(),
    });
    if (!data.status) throw new Error("bad body");
  },
  "@cdpkit/dfinery": async () => {
    const { data } = await client.POST(path, { body: makeBody() });
    if (!data.status) throw new Error("bad body");
  },
  "client + custom fetch": async () => {
    const { data } = await customClient.POST(path, { body: makeBody() });
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
const order = Object.entries(variants);
for (let round = 0; round < ROUNDS; round++) {
  // Every variant runs in every round, so drift in machine load hits all of them alike; even rounds
  // (0, 2, ...) run them in the order listed, odd rounds (1, 3, ...) in reverse, so no variant is
  // always the one that runs right after another or first in a round.
  for (const [name, call] of round % 2 === 0 ? order : [...order].reverse()) results[name].push(await measure(call, REQUESTS));
}
child.disconnect();
await agent.close();
await customAgent.close();

const rps = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
console.log(`\nthroughput on loopback: ${REQUESTS} POST requests x ${ROUNDS} rounds, concurrency ${CONCURRENCY}, median of rounds`);
console.log(`node ${process.version}\n`);
console.log(`${"variant".padEnd(22)} ${"req/s".padStart(9)} ${"vs undici".padStart(10)} ${"vs openapi-fetch".padStart(17)}`);
for (const [name, value] of Object.entries(rps)) {
  console.log(
    `${name.padEnd(22)} ${value.toFixed(0).padStart(9)} ${(value / rps["undici.request"]).toFixed(2).padStart(9)}x ${(value / rps["openapi-fetch"]).toFixed(2).padStart(16)}x`,
  );
}
// Each verdict compares two variants round by round (paired: same machine state), median of the
// per-round ratios, which a noisy shared machine moves far less than a ratio of separate medians.
function verdict(label, numerator, denominator, target) {
  const perRound = results[numerator].map((v, i) => v / results[denominator][i]);
  const ratio = median(perRound);
  const met = ratio >= target;
  console.log(`\n${label} per round: ${perRound.map((r) => r.toFixed(2)).join(" ")}`);
  console.log(`target: ${label} >= ${target.toFixed(1)}x: ${ratio.toFixed(2)}x (median of rounds), ${met ? "met" : "MISSED"}`);
  return met;
}
const clientMet = verdict("@cdpkit/dfinery (every policy) / openapi-fetch", "@cdpkit/dfinery", "openapi-fetch", TARGET);
const customMet = verdict(
  "client + custom fetch / client (default fetch)",
  "client + custom fetch",
  "@cdpkit/dfinery",
  CUSTOM_FETCH_TARGET,
);
if (!clientMet || !customMet) process.exitCode = 1;
