import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate, vendorPaths } from "@cdpkit/codegen";
import { PINS, ScaffoldError, filesFor, namesFor, repoRoot, scaffold, withRedoclyEntry } from "../new-vendor.mjs";

const run = promisify(execFile);
const here = new URL("..", import.meta.url).pathname;
const bin = (name) => join(here, "node_modules", ".bin", name);
const cli = join(here, "new-vendor.mjs");

const FIRST_OPERATION = `paths:
  /status:
    get:
      operationId: getStatus
      x-cdpkit-idempotent: true
      x-cdpkit-rate-limit: { scope: status, limit: 5, intervalMs: 1000 }
      security: [{ apiKey: [] }]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: { type: object, required: [ok], properties: { ok: { type: boolean } } }
              example: { ok: true }
        "401": { description: no key }`;
const SCHEMES = `securitySchemes:
    apiKey: { type: apiKey, in: header, name: x-api-key }`;
const FIRST_OPERATION_TEST = `import { expect, inject, it } from "vitest";
import { createAcmeCdpClient, InvalidInputError } from "../src/index.js";

const baseUrl = inject("acmeCdpMockUrl");

it("calls the operation with its credential", async () => {
  const client = createAcmeCdpClient({ baseUrl, credentials: { apiKey: "k-1" } });
  const { data, response } = await client.GET("/status");
  expect(response.status).toBe(200);
  expect(data?.ok).toBe(true);
});

it("names the missing credential and sends nothing", async () => {
  const client = createAcmeCdpClient({ baseUrl });
  await expect(client.GET("/status")).rejects.toThrow(InvalidInputError);
  await expect(client.GET("/status")).rejects.toThrow("GET /status needs credentials.apiKey");
});
`;

describe("names and inputs", () => {
  it("derives identifiers from the vendor name", () => {
    expect(namesFor("acme-cdp")).toEqual({ vendor: "acme-cdp", pascal: "AcmeCdp", camel: "acmeCdp", constant: "ACME_CDP" });
    expect(namesFor("synerise").pascal).toBe("Synerise");
  });

  it("rejects a bad vendor name or server with a ScaffoldError naming it", () => {
    for (const bad of ["Acme", "acme_cdp", "-acme", "acme-", "1acme", ""]) {
      expect(() => namesFor(bad)).toThrow(ScaffoldError);
    }
    expect(() => filesFor({ vendor: "acme", server: "api.acme.com" })).toThrow(/--server must be .* got "api.acme.com"/);
    expect(() => filesFor({ vendor: "acme", server: "ftp://acme.com" })).toThrow(ScaffoldError);
  });

  it("pins the same tool versions as the packages already in the repo", () => {
    const dfinery = JSON.parse(readFileSync(join(repoRoot, "packages/dfinery/package.json"), "utf8"));
    const used = { ...dfinery.dependencies, ...dfinery.devDependencies };
    for (const [name, version] of Object.entries(PINS)) expect(used[name], name).toBe(version);
  });

  it("gives the package the publication metadata and licence of the packages already in the repo", () => {
    // Altcraft: a vendor package with the client entry point only, as a new one starts (DFINERY, Synerise and
    // Kameleoon add entry points for their helpers).
    const altcraft = JSON.parse(readFileSync(join(repoRoot, "packages/altcraft/package.json"), "utf8"));
    const files = filesFor({ vendor: "acme", server: "https://api.acme.com" });
    const acme = JSON.parse(files["packages/acme/package.json"]);
    for (const field of ["license", "type", "main", "types", "exports", "files", "sideEffects", "engines", "publishConfig", "bugs"]) {
      expect(acme[field], field).toEqual(altcraft[field]);
    }
    expect(acme.repository).toEqual({ ...altcraft.repository, directory: "packages/acme" });
    expect(acme.homepage).toBe(altcraft.homepage.replace("packages/altcraft", "packages/acme"));
    expect(files["packages/acme/LICENSE"]).toBe(readFileSync(join(repoRoot, "LICENSE"), "utf8"));
  });

  it("adds the redocly.yaml entry after the existing ones, keeping comments, and refuses a duplicate", () => {
    const text = "# keep me\nextends:\n  - recommended-strict\napis:\n  dfinery:\n    root: specs/dfinery/openapi.yaml\n";
    const next = withRedoclyEntry(text, "acme");
    expect(next).toBe(`${text}  acme:\n    root: specs/acme/openapi.yaml\n`);
    expect(() => withRedoclyEntry(next, "acme")).toThrow(/already has an apis entry "acme"/);
    expect(() => withRedoclyEntry("extends: []\n", "acme")).toThrow(/no top-level `apis:`/);
  });
});

describe("a scaffolded vendor, end to end", () => {
  // Inside tools/scaffold so the scaffolded package resolves @cdpkit/core, openapi-fetch and vitest
  // through this package's node_modules, as it would in the workspace.
  let root;
  beforeAll(() => {
    root = mkdtempSync(join(here, ".tmp-"));
    copyFileSync(join(repoRoot, "tsconfig.base.json"), join(root, "tsconfig.base.json"));
    copyFileSync(join(repoRoot, "redocly.yaml"), join(root, "redocly.yaml"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("lints clean, generates, type-checks and passes its own tests against Prism; never overwrites", async () => {
    const { stdout } = await run(process.execPath, [
      cli,
      "acme-cdp",
      "--server",
      "https://api.acme.example/v1",
      "--title",
      "Acme CDP",
      "--root",
      root,
    ]);
    expect(stdout).toContain("new-vendor: wrote packages/acme-cdp/src/client.ts");
    const redocly = readFileSync(join(root, "redocly.yaml"), "utf8");
    // Appended after every existing entry (their rules and comments untouched).
    expect(redocly).toMatch(/\n {2}acme-cdp:\n {4}root: specs\/acme-cdp\/openapi.yaml\n$/);
    expect(redocly).toContain("  dfinery:\n    root: specs/dfinery/openapi.yaml\n");
    expect(readFileSync(join(root, ".changeset/acme-cdp-initial.md"), "utf8")).toContain('"@cdpkit/acme-cdp": minor');

    // A second run changes nothing and says why.
    const client = join(root, "packages/acme-cdp/src/client.ts");
    writeFileSync(client, `${readFileSync(client, "utf8")}// edited\n`);
    const again = await run(process.execPath, [cli, "acme-cdp", "--server", "https://x.example", "--root", root]).catch((e) => e);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("will not overwrite: packages/acme-cdp/");
    expect(readFileSync(client, "utf8")).toMatch(/\/\/ edited\n$/);
    await expect(scaffold({ vendor: "acme-cdp", server: "https://x.example", root })).rejects.toThrow(ScaffoldError);

    const lint = await run(bin("redocly"), ["lint", "acme-cdp", "--config", join(root, "redocly.yaml"), "--format", "stylish"], {
      cwd: root,
    });
    expect(lint.stdout + lint.stderr).toContain("Your API description is valid");

    // The maintainer's first step: an operation from the docs (Prism will not mock a spec without one).
    const spec = join(root, "specs/acme-cdp/openapi.yaml");
    writeFileSync(spec, readFileSync(spec, "utf8").replace("paths: {}", FIRST_OPERATION).replace("securitySchemes: {}", SCHEMES));
    writeFileSync(join(root, "packages/acme-cdp/test/first-operation.test.ts"), FIRST_OPERATION_TEST);

    const generated = await generate({ ...vendorPaths("acme-cdp", root), root });
    expect(Object.values(generated)).toEqual(["written", "written"]);

    await run(bin("tsc"), ["-p", join(root, "packages/acme-cdp/tsconfig.json"), "--noEmit"]);

    const tests = await run(bin("vitest"), ["run", "--root", join(root, "packages/acme-cdp")], { env: { ...process.env, NO_COLOR: "1" } });
    expect(tests.stdout).toMatch(/Tests\s+5 passed \(5\)/);
  });
});
