import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Packs five packages and runs npm install once (the registry only for their dependencies, cached).
    globalSetup: ["./test/global-setup.ts"],
    hookTimeout: 180_000,
    // A tsc run over the five packages' types takes ~12 s alone; the margin is for a loaded 2-core machine.
    testTimeout: 120_000,
  },
});
