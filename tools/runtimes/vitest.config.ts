import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Downloads four runtimes (~190 MB, once per machine: see runtimes.mjs) and starts four Prism mocks.
    globalSetup: ["./test/global-setup.ts"],
    hookTimeout: 300_000,
    // A runtime starts, makes ~7 requests to loopback mocks and exits; the margin is for a loaded 2-core machine.
    testTimeout: 60_000,
  },
});
