import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Four Prism mocks, one per vendor spec, for the whole run; each example runs as its own process.
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
