import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generate, isSplit, listVendors, vendorPaths } from "../generate.mjs";

const run = promisify(execFile);
const cli = new URL("../generate.mjs", import.meta.url).pathname;

const tinySpec = `openapi: 3.1.0
info: { title: tiny, version: "1" }
servers: [{ url: "https://tiny.example.test" }]
paths:
  /things:
    post:
      operationId: addThing
      x-cdpkit-idempotent: true
      x-cdpkit-rate-limit: { scope: things, limit: 10, intervalMs: 1000 }
      security: [{ key: [] }]
      requestBody:
        content:
          application/json:
            schema: { type: object, properties: { name: { type: string } } }
      responses:
        "200": { description: ok }
components:
  securitySchemes:
    key: { type: apiKey, in: header, name: x-key }
`;

let root;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cdpkit-codegen-"));
  mkdirSync(join(root, "specs", "tiny"), { recursive: true });
  writeFileSync(join(root, "specs", "tiny", "openapi.yaml"), tinySpec);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("codegen", () => {
  it("writes types and operation facts, and regenerating an unchanged spec changes nothing", async () => {
    const paths = vendorPaths("tiny", root);
    const first = await generate({ ...paths, root });
    expect(Object.values(first)).toEqual(["written", "written"]);
    const types = readFileSync(paths.out, "utf8");
    expect(types).toContain('"/things"');
    expect(types).toContain("specs/tiny/openapi.yaml");
    expect(types).not.toContain(root); // no absolute paths: output is the same on every machine
    const meta = readFileSync(paths.metaOut, "utf8");
    expect(meta).toContain('"operationId": "addThing"');
    expect(meta).toContain('"idempotent": true');
    expect(meta).toContain('"scope": "things"');
    const mtime = statSync(paths.out).mtimeMs;

    const second = await generate({ ...paths, root });
    expect(Object.values(second)).toEqual(["unchanged", "unchanged"]);
    expect(readFileSync(paths.out, "utf8")).toBe(types);
    expect(statSync(paths.out).mtimeMs).toBe(mtime);
  });

  it("--check reports drift without writing, and the CLI exits non-zero", async () => {
    const paths = vendorPaths("tiny", root);
    await generate({ ...paths, root });
    const before = readFileSync(paths.out, "utf8");
    writeFileSync(paths.spec, tinySpec.replace("name: { type: string }", "name: { type: integer }"));

    const results = await generate({ ...paths, root, check: true });
    expect(results[paths.out]).toBe("drift");
    expect(readFileSync(paths.out, "utf8")).toBe(before);

    const failure = await run(process.execPath, [cli, "tiny", "--check", `--root=${root}`]).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("does not match specs/tiny/openapi.yaml");

    await run(process.execPath, [cli, "tiny", `--root=${root}`]);
    const ok = await run(process.execPath, [cli, "tiny", "--check", `--root=${root}`]);
    expect(ok.stdout).toContain("unchanged");
  });

  it("bundles a split spec with Redocly, generates from the bundle, and detects drift in a referenced file", async () => {
    const dir = join(root, "specs", "split");
    mkdirSync(join(dir, "paths"), { recursive: true });
    writeFileSync(
      join(dir, "openapi.yaml"),
      `openapi: 3.1.0
info: { title: split, version: "1" }
servers: [{ url: "https://split.example.test" }]
paths:
  /things/{id}:
    $ref: paths/things.yaml#/~1things~1{id}
`,
    );
    const things = `/things/{id}:
  get:
    operationId: getThing
    x-cdpkit-evidence: docs
    parameters:
      - { name: id, in: path, required: true, schema: { type: string } }
      - $ref: ../components/ApiVersion.yaml
      - { name: X-Optional, in: header, schema: { type: string, enum: ["1"] } }
    responses:
      "200":
        description: ok
        content:
          application/json:
            schema: { $ref: ../components/Thing.yaml }
`;
    writeFileSync(join(dir, "paths", "things.yaml"), things);
    mkdirSync(join(dir, "components"));
    writeFileSync(join(dir, "components", "Thing.yaml"), "type: object\nproperties:\n  name: { type: string }\n");
    writeFileSync(
      join(dir, "components", "ApiVersion.yaml"),
      'name: Api-Version\nin: header\nrequired: true\nschema: { type: string, enum: ["4.4"] }\n',
    );
    const paths = vendorPaths("split", root);
    expect(await isSplit(paths.spec)).toBe(true);
    expect(await isSplit(vendorPaths("tiny", root).spec)).toBe(false);

    const first = await generate({ ...paths, root });
    expect(first).toEqual({ [paths.bundleOut]: "written", [paths.out]: "written", [paths.metaOut]: "written" });
    const bundled = readFileSync(paths.bundleOut, "utf8");
    expect(bundled).toMatch(/^# Generated by tools\/codegen: `redocly bundle` of specs\/split\/openapi.yaml/);
    expect(bundled).not.toContain("$ref: paths/");
    expect(bundled).toContain("#/components/schemas/Thing");
    expect(bundled).not.toContain(root);
    expect(readFileSync(paths.out, "utf8")).toContain('"/things/{id}"');
    const meta = readFileSync(paths.metaOut, "utf8");
    expect(meta).toContain('"operationId": "getThing"');
    // A required header with one allowed value is a fact the client fills in; an optional one is not.
    expect(meta).toMatch(/"headers": \{\s*"Api-Version": "4.4"\s*\}/);
    expect(meta).not.toContain("X-Optional");

    expect(Object.values(await generate({ ...paths, root }))).toEqual(["unchanged", "unchanged", "unchanged"]);

    writeFileSync(join(dir, "components", "Thing.yaml"), "type: object\nproperties:\n  name: { type: integer }\n");
    const drift = await generate({ ...paths, root, check: true });
    expect(drift[paths.bundleOut]).toBe("drift");
    expect(drift[paths.out]).toBe("drift");
    expect(readFileSync(paths.bundleOut, "utf8")).toBe(bundled);
  });

  it("the committed output of every vendor in this repo matches its spec", async () => {
    const vendors = listVendors();
    expect(vendors).toContain("dfinery");
    for (const vendor of vendors) {
      const results = await generate({ ...vendorPaths(vendor), check: true });
      expect(results, vendor).toEqual(Object.fromEntries(Object.keys(results).map((file) => [file, "unchanged"])));
    }
  });
});
