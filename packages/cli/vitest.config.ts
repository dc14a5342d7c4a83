import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The tests spawn the built command as child processes; one file at a time keeps the 2 cores for them.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
