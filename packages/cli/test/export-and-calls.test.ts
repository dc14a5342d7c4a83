import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startVendorMock, type MockServer } from "@cdpkit/mock";
import { operations as syneriseOperations } from "@cdpkit/synerise";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DFINERY_ENV, runCli } from "./run-cli.js";

/** Against Prism mocks of the specs: every request the command sends is validated against the spec. */
let synerise: MockServer;
let dfinery: MockServer;
let dir: string;
const SYNERISE_ENV = { SYNERISE_API_KEY: "workspace-key-SECRET-51d0", SYNERISE_WORKSPACE_GUID: "5f3c2a1e-1111-4222-8333-944445555666" };

beforeAll(async () => {
  [synerise, dfinery] = await Promise.all([startVendorMock("synerise"), startVendorMock("dfinery")]);
  dir = mkdtempSync(join(tmpdir(), "cdpkit-cli-export-"));
}, 120_000);
afterAll(async () => {
  await Promise.all([synerise?.stop(), dfinery?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

for (const format of ["ndjson", "csv"] as const) {
  it(`a Synerise profile export (${format}, through paginate) imports back through the batch endpoint`, async () => {
    const out = join(dir, `profiles.${format}`);
    const exported = await runCli(
      [
        "export",
        "synerise",
        "profiles",
        "--query",
        "limit=100",
        "--out",
        out,
        "--format",
        format,
        "--base-url",
        synerise.url,
        "--json",
        "--progress",
        "none",
      ],
      { env: SYNERISE_ENV },
    );
    expect(exported.code).toBe(0);
    const { rows } = JSON.parse(exported.stdout) as { rows: number };
    expect(rows).toBeGreaterThan(0);
    const text = readFileSync(out, "utf8");
    expect(text).toContain("07243772-008a-42e1-ba37-c3807cebde8f");
    if (format === "csv") expect(text.split("\n")[0]).toContain("tags:json");

    const imported = await runCli(["import", "synerise", "profiles", out, "--base-url", synerise.url, "--json", "--progress", "none"], {
      env: SYNERISE_ENV,
    });
    expect(imported.stderr).not.toContain(SYNERISE_ENV.SYNERISE_API_KEY);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ read: rows, accepted: rows, failed: 0, format });
  });
}

it("exports DFINERY events as typed rows to CSV", async () => {
  const out = join(dir, "events.csv");
  const result = await runCli(
    [
      "export",
      "dfinery",
      "events",
      "--from",
      "2024-08-25",
      "--to",
      "2024-08-26",
      "--event",
      "df_purchase",
      "--out",
      out,
      "--format",
      "csv",
      "--base-url",
      dfinery.url,
    ],
    { env: DFINERY_ENV },
  );
  expect(result.code).toBe(0);
  const [header, first] = readFileSync(out, "utf8").split("\n");
  const columns = header!.split(",");
  // The mock answers with the spec's example export; DFINERY's "2025.1.6 10:35" datetimes arrive as typed values.
  expect(first!.split(",")[columns.indexOf("df_event_name")]).toBe("df_end_session");
  expect(first).toContain("2025-01-06T10:35:00.000");
  expect(result.stdout).toMatch(/export dfinery events: \d+ rows to/);
});

it("ops lists every operation with its evidence level", async () => {
  const table = await runCli(["ops", "synerise"]);
  expect(table.code).toBe(0);
  expect(table.stdout.split("\n")[0]).toMatch(/^METHOD\s+PATH\s+EVIDENCE/);
  expect(table.stdout).toMatch(/POST\s+\/v4\/clients\/batch\s+sdk/);
  const listed = JSON.parse((await runCli(["ops", "synerise", "--json"])).stdout) as unknown[];
  expect(listed).toHaveLength(syneriseOperations.length);
});

it("call prints the typed result, or the typed error with its exit code", async () => {
  const ok = await runCli(["call", "synerise", "GET", "/v4/clients/42", "--base-url", synerise.url], { env: SYNERISE_ENV });
  expect(ok.code).toBe(0);
  expect(JSON.parse(ok.stdout)).toHaveProperty("clientId");

  const refused = await runCli(
    [
      "call",
      "dfinery",
      "POST",
      "/api/v1/identities",
      "--data",
      '{"request_datetime":"2025-05-13T06:01:48.501Z"}',
      "--base-url",
      dfinery.url,
    ],
    {
      env: DFINERY_ENV,
    },
  );
  expect(refused.code).toBe(2);
  expect(JSON.parse(refused.stderr)).toMatchObject({ error: { name: "InvalidInputError" } });

  const unreachable = await runCli(
    [
      "call",
      "dfinery",
      "POST",
      "/api/v1/identities",
      "--data",
      '{"identity":{"external_id":"u-1"},"request_datetime":"2025-05-13T06:01:48.501Z"}',
      "--base-url",
      "http://127.0.0.1:9",
    ],
    {
      env: DFINERY_ENV,
    },
  );
  expect(unreachable.code).toBe(3);
  expect(JSON.parse(unreachable.stderr)).toMatchObject({ error: { name: "NetworkError" } });
  expect(unreachable.stderr).not.toContain(DFINERY_ENV.DFINERY_IMPORT_TOKEN);
});
