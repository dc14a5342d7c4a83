// Memory of a streamed batch: DFINERY sendEvents over an async generator of N events against the
// loopback bench server (bench/server.mjs, its own process), N = 100,000 and 1,000,000, each run in a
// fresh child process that samples its peak heap and RSS. The engine holds at most `concurrency`
// requests in flight and counts accepted events instead of keeping them, so memory must not grow with N.
// Target: peak heap (and RSS) for 1,000,000 within 1.5x of that for 100,000. Run after `pnpm build`:
//   node bench/batch-memory.mjs
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mib, runInChild, startPeakSampler } from "./memory.mjs";

const TARGET = 1.5;

if (process.argv[2] === "child") {
  const [, , , url, count] = process.argv;
  const { createDfineryClient } = await import("@cdpkit/dfinery");
  const client = createDfineryClient({ serviceId: "bench", importToken: "bench-token", baseUrl: url, rateLimit: false });
  const sampler = startPeakSampler();
  async function* events() {
    for (let n = 0; n < Number(count); n++) {
      yield { event_name: "df_page_view", event_properties: { n, page: `/products/${n % 997}` } };
      if (n % 10_000 === 0) sampler.sample();
    }
  }
  const started = performance.now();
  const report = await client.sendEvents({ external_id: "bench-user" }, events(), { concurrency: 8 });
  const { peakHeap, peakRss } = sampler.stop();
  process.send?.({
    count: Number(count),
    accepted: report.accepted,
    failed: report.failed.length,
    kept: report.acceptedItems?.length ?? 0,
    peakHeap,
    peakRss,
    seconds: (performance.now() - started) / 1000,
  });
  process.exit(0);
}

const here = fileURLToPath(new URL(".", import.meta.url));
const server = fork(`${here}server.mjs`, [], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
const port = await new Promise((resolve) => server.once("message", (m) => resolve(m.port)));
const url = `http://127.0.0.1:${port}`;

const run = (count) => runInChild(fileURLToPath(import.meta.url), ["child", url, String(count)]);
try {
  const small = await run(100_000);
  const large = await run(1_000_000);
  for (const r of [small, large]) {
    console.log(
      `${String(r.count).padStart(9)} events: accepted ${r.accepted}, failed ${r.failed}, kept in the report ${r.kept}, peak heap ${mib(r.peakHeap)}, peak RSS ${mib(r.peakRss)}, ${r.seconds.toFixed(1)} s`,
    );
  }
  const heapRatio = large.peakHeap / small.peakHeap;
  const rssRatio = large.peakRss / small.peakRss;
  const ok = heapRatio <= TARGET && rssRatio <= TARGET && large.accepted === large.count && small.accepted === small.count;
  console.log(
    `1,000,000 vs 100,000: heap ${heapRatio.toFixed(2)}x, RSS ${rssRatio.toFixed(2)}x (target <= ${TARGET}x, every event accepted): ${ok ? "MET" : "MISSED"}`,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  server.kill();
}
