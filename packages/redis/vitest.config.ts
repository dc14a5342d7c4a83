import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Each file starts its own redis-server; two files at once would share the 2 cores with 4 worker processes.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
