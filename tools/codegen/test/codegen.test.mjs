import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generate, listVendors, vendorPaths } from "../generate.mjs";

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

  it("the committed output of every vendor in this repo matches its spec", async () => {
    const vendors = listVendors();
    expect(vendors).toContain("dfinery");
    for (const vendor of vendors) {
      const results = await generate({ ...vendorPaths(vendor), check: true });
      expect(results, vendor).toEqual(
        Object.fromEntries(Object.keys(results).map((file) => [file, "unchanged"])),
      );
    }
  });
});
