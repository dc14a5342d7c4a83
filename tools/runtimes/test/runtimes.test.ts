// The smoke program (smoke.mjs) on every runtime: it must give the same answers everywhere.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { RUNTIMES } from "../runtimes.mjs";

const run = promisify(execFile);
const here = fileURLToPath(new URL("..", import.meta.url));
const binaries = inject("binaries");
const mockUrls = inject("mockUrls");

// The answers of the Prism mocks (the examples in specs/<vendor>), whichever runtime asks.
const EXPECTED = {
  dfinery: { status: 200, data: { status: true, code: "20000", message: "OK", data: true } },
  sendEvents: { ok: true, accepted: 250, failed: 0, requests: { accepted: 3, failed: 0, split: 0 } },
  synerise: { status: 200, data: [{ id: 645, name: "nice tag", color: "#0768ff" }], logins: 1 },
  altcraft: { status: 200, data: { error: 0, error_text: "Successful operation", data: { status: "active" } } },
  kameleoon: { status: 200, data: { plan: "premium", lastPurchase: "2024-05-01" } },
};

const SMOKE = "smoke.mjs";
const runtimes = [{ name: `node ${process.version} (running the tests)`, binary: process.execPath, args: [SMOKE] }].concat(
  RUNTIMES.map((runtime) => ({ name: `${runtime.name} ${runtime.version}`, binary: binaries[runtime.name]!, args: runtime.args(SMOKE) })),
);

describe.each(runtimes)("$name", ({ binary, args }) => {
  it("runs the smoke program: one call per vendor against Prism, and sendEvents", async () => {
    const { stdout, stderr } = await run(binary, args, {
      cwd: here,
      // Only what the program needs: the mock URLs, and a PATH; no credentials of the machine.
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...mockUrls },
      timeout: 60_000,
    });
    expect(stderr).toBe("");
    expect(JSON.parse(stdout)).toEqual(EXPECTED);
  });
});
