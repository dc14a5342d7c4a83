import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One Prism mock of specs/kameleoon for the whole run; its URL reaches tests through inject().
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
