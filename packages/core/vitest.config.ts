import { defineConfig } from "vitest/config";

// Fault-server tests wait on real sockets; a loaded 2-core CI machine needs more than the 5 s default.
export default defineConfig({
  test: { testTimeout: 20_000 },
});
