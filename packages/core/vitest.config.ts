import { defineConfig } from "vitest/config";

// Fault-server tests wait on real sockets; a loaded 2-core CI machine needs more than the 5 s default.
// `cdpkit-source`: `#node-transport` (package.json `imports`) resolves to the Node module's source, so it
// shares the classes of the source the tests run (a dist copy would not be `instanceof` them).
export default defineConfig({
  resolve: { conditions: ["cdpkit-source"] },
  test: { testTimeout: 20_000 },
});
