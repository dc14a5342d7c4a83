// Peak memory of one piece of work, shared by the sections that judge memory (batch-memory.mjs,
// csv-rows.mjs, ingest.mjs). Each measurement runs in a fresh child process, so one variant's heap, code
// and sockets never count against another's; the child samples its own RSS and heap on a timer (and
// wherever the work calls `sample()`), and reports the peaks over IPC.
import { fork } from "node:child_process";

/**
 * Starts sampling this process's memory every `intervalMs`. `sample()` takes a reading now (call it from
 * a hot loop that could outrun the timer); `stop()` takes a last reading and returns the peaks.
 */
export function startPeakSampler(intervalMs = 20) {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  const timer = setInterval(sample, intervalMs);
  sample();
  return {
    sample,
    stop() {
      clearInterval(timer);
      sample();
      return { peakRss, peakHeap };
    },
  };
}

/**
 * Runs `script` with `args` in a fresh child process (with `--expose-gc`) and resolves with the first
 * message it sends; rejects when it exits without one or with a non-zero code.
 */
export function runInChild(script, args) {
  return new Promise((resolve, reject) => {
    const child = fork(script, args, { execArgv: ["--expose-gc"] });
    let answered = false;
    child.once("message", (message) => {
      answered = true;
      resolve(message);
    });
    child.once("exit", (code) => {
      if (code !== 0) reject(new Error(`${script} ${args.join(" ")} exited with ${code}`));
      else if (!answered) reject(new Error(`${script} ${args.join(" ")} exited without reporting`));
    });
  });
}

/** Bytes as MiB with one decimal. */
export const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
