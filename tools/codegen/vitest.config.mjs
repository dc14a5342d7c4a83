import { defineConfig } from "vitest/config";

// The CLI tests spawn Node three times; on a busy 2-core CI machine that takes longer than
// vitest's 5 s default, so give them room (they still fail on a wrong exit code or output).
export default defineConfig({
  test: { testTimeout: 60_000 },
});
