import { configDefaults, defineConfig } from "vitest/config";

// The end-to-end test lints, generates, type-checks and runs the tests of a scaffolded package
// (Prism included): seconds on a busy 2-core CI machine, so give it room. The scaffolded package
// lives in .tmp-* while the test runs and has its own vitest run: never collect its tests here.
export default defineConfig({
  test: { testTimeout: 180_000, exclude: [...configDefaults.exclude, ".tmp-*/**"] },
});
