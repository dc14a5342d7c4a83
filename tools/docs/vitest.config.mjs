import { defineConfig } from "vitest/config";

// beforeAll builds the whole site (typedoc over every package, Redocly per vendor): ~30-60 s on a 2-core
// machine. The browser checks take seconds per page; the limits leave room for a machine shared with
// other jobs, and a check that fails still fails on what it saw, not on time.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 300_000 },
});
