// Runs every example as a user would (`tsx <file>`), against Prism mocks of the specs, and checks what
// it printed: the programs stay runnable, and what they say they did is what the clients did.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

const examplesDir = dirname(dirname(fileURLToPath(import.meta.url)));
const SECRETS = {
  DFINERY_IMPORT_TOKEN: "example-import-token-d41d8cd9",
  DFINERY_EXPORT_TOKEN: "example-export-token-8f00b204",
  SYNERISE_API_KEY: "example-synerise-key-e9800998",
  ALTCRAFT_TOKEN: "example-altcraft-token-ecf8427e",
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[] = [], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", "tsx", file, ...args],
      // Only what the example is given: no credentials of the machine running the tests.
      { cwd: examplesDir, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 50_000 },
      (error, stdout, stderr) => done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Runs an example that must succeed; no secret it was given may appear in its output. */
async function succeed(file: string, args: string[], env: Record<string, string>): Promise<string> {
  const result = await run(file, args, env);
  expect(result.stderr, file).toBe("");
  expect(result.code, `${file}\n${result.stdout}`).toBe(0);
  for (const secret of Object.values(SECRETS)) expect(result.stdout).not.toContain(secret);
  return result.stdout;
}

const dfinery = () => ({
  DFINERY_SERVICE_ID: "example-service",
  DFINERY_IMPORT_TOKEN: SECRETS.DFINERY_IMPORT_TOKEN,
  DFINERY_EXPORT_TOKEN: SECRETS.DFINERY_EXPORT_TOKEN,
  DFINERY_BASE_URL: inject("dfineryMockUrl"),
});

describe("dfinery", () => {
  let dir: string;
  beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), "cdpkit-examples-"))));
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("send-events: 250 events in 3 requests, progress after each", async () => {
    const out = await succeed("dfinery/send-events.ts", ["250"], dfinery());
    expect(out).toContain("sent 250 events in 3 requests: 250 accepted");
    expect(out.match(/^progress: /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(out).toContain("progress: 250 read, 250 accepted, 0 failed, 3 requests");
  });

  it("export-to-file: every exported row is a JSON line in the file", async () => {
    const file = join(dir, "purchases.jsonl");
    const out = await succeed("dfinery/export-to-file.ts", [file], dfinery());
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(out).toContain(`wrote ${lines.length} rows to ${file}`);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toHaveProperty("df_unified_id");
  });

  it("handle-errors: each failure is told apart by its class", async () => {
    const out = await succeed("dfinery/handle-errors.ts", [], dfinery());
    expect(out).toMatch(/^a profile update without identity: bad input, nothing was sent: .*identity/m);
    expect(out).toContain("an HTTP 200 whose envelope says status:false: DFINERY refused it: code 40402 TOO_MANY_EVENTS");
    expect(out).toMatch(/^a 429: rate limited, retry after/m);
    expect(out).toContain('a server that cannot be reached: network failure in phase "connect"');
    expect(out).toContain("a 1 ms timeout: no answer within 1 ms (request)");
    expect(out).not.toContain("succeeded");
  });

  it("an example without its credentials says which variable to set, and sends nothing", async () => {
    const result = await run("dfinery/send-events.ts", [], { DFINERY_SERVICE_ID: "example-service" });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Set DFINERY_IMPORT_TOKEN");
  });
});

describe("synerise", () => {
  const synerise = () => ({ SYNERISE_API_KEY: SECRETS.SYNERISE_API_KEY, SYNERISE_BASE_URL: inject("syneriseMockUrl") });

  it("login-and-call: two calls on one login", async () => {
    const out = await succeed("synerise/login-and-call.ts", ["42"], synerise());
    expect(out).toMatch(/^workspace: \S/m);
    expect(out).toMatch(/^profile 42: /m);
    expect(out).toContain("logins: 1");
  });

  it("page-through-profiles: a page shorter than the limit ends the list", async () => {
    // The mock answers every offset with its one-profile example: shorter than the 100 asked for.
    const out = await succeed("synerise/page-through-profiles.ts", [], { ...synerise(), SYNERISE_WORKSPACE_GUID: "example-guid" });
    expect(out).toContain("page 1: 1 profiles\nread 1 profiles in 1 pages");
  });
});

describe("altcraft", () => {
  const altcraft = () => ({ ALTCRAFT_TOKEN: SECRETS.ALTCRAFT_TOKEN, ALTCRAFT_BASE_URL: inject("altcraftMockUrl") });

  it("page-through-campaigns: every campaign of the pages walked", async () => {
    const out = await succeed("altcraft/page-through-campaigns.ts", ["2"], altcraft());
    const listed = out.match(/^campaign \d+: /gm)?.length ?? 0;
    expect(listed).toBeGreaterThan(0);
    expect(out).toContain(`listed ${listed} campaigns`);
  });

  it("import-profiles: 300 profiles accepted, progress printed", async () => {
    const out = await succeed("altcraft/import-profiles.ts", ["1", "300"], altcraft());
    expect(out).toMatch(/^imported 300 of 300 profiles in \d+ requests$/m);
    expect(out).toContain("progress: 300 accepted, 0 failed of 300 read");
  });
});

describe("kameleoon", () => {
  const kameleoon = () => ({ KAMELEOON_SITE_CODE: "a1b2c3d4e5", KAMELEOON_BASE_URL: inject("kameleoonMockUrl") });

  it("send-visit-events: 500 events accepted", async () => {
    const out = await succeed("kameleoon/send-visit-events.ts", ["500"], kameleoon());
    expect(out).toMatch(/^sent 500 of 500 events in \d+ requests$/m);
    expect(out).toMatch(/^progress: 500 accepted, 0 failed/m);
  });

  it("read-visitor: the visits of a visitor", async () => {
    const out = await succeed("kameleoon/read-visitor.ts", ["visitor-1"], kameleoon());
    expect(out).toMatch(/^visitor visitor-1: [1-9]\d* visits$/m);
  });
});
