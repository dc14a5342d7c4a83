import { defineConfig } from "vitest/config";

// esbuild bundles each vendor in well under a second; the margin is for a loaded 2-core machine.
export default defineConfig({
  test: { testTimeout: 20_000 },
});
