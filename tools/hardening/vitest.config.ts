import { defineConfig } from "vitest/config";

// Every request crosses real sockets on 127.0.0.1; a loaded 2-core machine needs more than the 5 s default.
// Each suite bounds its own calls far below this (small timeouts and retry delays in the client options).
// The suites mostly wait on sockets and timers, so the three files run side by side even on 2 cores.
export default defineConfig({
  test: { testTimeout: 20_000, hookTimeout: 10_000, maxWorkers: 3 },
});
