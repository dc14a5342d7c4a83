import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Fault-server tests wait on real sockets; a loaded 2-core CI machine needs more than the 5 s default.
// `#node-transport` (package.json `imports`) points at dist for users; the tests run the source, so the
// Node transport shares the source's classes (a dist copy would not be `instanceof` them).
export default defineConfig({
  resolve: { alias: { "#node-transport": fileURLToPath(new URL("./src/node-transport.ts", import.meta.url)) } },
  test: { testTimeout: 20_000 },
});
