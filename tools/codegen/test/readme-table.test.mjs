import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listVendors } from "../generate.mjs";
import { END, START, readmePaths, renderTable, syncReadme } from "../readme-table.mjs";

const run = promisify(execFile);
const cli = new URL("../readme-table.mjs", import.meta.url).pathname;

const tinySpec = `openapi: 3.1.0
info: { title: tiny, version: "1" }
paths:
  /things/{id}:
    get:
      summary: Read a thing
      x-cdpkit-evidence: sdk
      responses: { "200": { description: ok } }
    delete:
      summary: "Delete a thing | for good"
      x-cdpkit-evidence: docs
      responses: { "204": { description: gone } }
  /things:
    post:
      summary: |
        Add a thing,
        or two
      x-cdpkit-evidence: docs
      responses: { "200": { description: ok } }
    get:
      summary: List things
      responses: { "200": { description: ok } }
  /audit:
    get:
      x-cdpkit-evidence: inferred
      responses: { "200": { description: ok } }
`;

const readme = `# @cdpkit/tiny

Intro.

## Operations

Every operation in the spec.

${START}
${END}

## Errors

Unchanged prose.
`;

let root;
let paths;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "cdpkit-readme-table-"));
  mkdirSync(join(root, "specs", "tiny"), { recursive: true });
  mkdirSync(join(root, "packages", "tiny"), { recursive: true });
  writeFileSync(join(root, "specs", "tiny", "openapi.yaml"), tinySpec);
  writeFileSync(join(root, "packages", "tiny", "README.md"), readme);
  paths = readmePaths("tiny", root);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("readme table", () => {
  it("renders one row per operation, sorted by path then method, under a counts line", async () => {
    const table = await renderTable(paths.spec);
    expect(table.split("\n")).toEqual([
      "5 operations: 2 docs, 1 sdk, 1 inferred, 1 without evidence",
      "",
      "| method | path | summary | evidence |",
      "|---|---|---|---|",
      "| GET | `/audit` | — | inferred |",
      "| GET | `/things` | List things | — |",
      "| POST | `/things` | Add a thing, or two | docs |",
      "| DELETE | `/things/{id}` | Delete a thing \\| for good | docs |",
      "| GET | `/things/{id}` | Read a thing | sdk |",
      "",
    ]);
  });

  it("reads the bundled spec when the vendor has one", async () => {
    expect(paths.spec).toBe(join(root, "specs", "tiny", "openapi.yaml"));
    const bundled = join(root, "packages", "tiny", "src", "generated", "openapi.bundled.yaml");
    mkdirSync(join(root, "packages", "tiny", "src", "generated"), { recursive: true });
    writeFileSync(bundled, tinySpec);
    expect(readmePaths("tiny", root).spec).toBe(bundled);
  });

  it("writes the table between the markers only, and a second run changes nothing", async () => {
    expect(await syncReadme({ ...paths, root })).toBe("written");
    const written = readFileSync(paths.readme, "utf8");
    const [before, rest] = written.split(`${START}\n`);
    const [inside, after] = rest.split(END);
    expect(before).toBe(readme.split(START)[0]);
    expect(after).toBe(readme.split(END)[1]);
    expect(inside).toContain("specs/tiny/openapi.yaml"); // a do-not-edit note naming the spec, repo-relative
    expect(inside).not.toContain(root);
    expect(inside).toContain("5 operations: 2 docs, 1 sdk, 1 inferred, 1 without evidence\n");
    expect(inside).toContain("| POST | `/things` | Add a thing, or two | docs |\n");
    const mtime = statSync(paths.readme).mtimeMs;

    expect(await syncReadme({ ...paths, root })).toBe("unchanged");
    expect(await syncReadme({ ...paths, root, check: true })).toBe("unchanged");
    expect(readFileSync(paths.readme, "utf8")).toBe(written);
    expect(statSync(paths.readme).mtimeMs).toBe(mtime);

    const ok = await run(process.execPath, [cli, "tiny", "--check", `--root=${root}`]);
    expect(ok.stdout).toContain("packages/tiny/README.md unchanged");
  });

  it("--check fails, naming the README, after the table is edited by hand, and writes nothing", async () => {
    await run(process.execPath, [cli, "tiny", `--root=${root}`]);
    const generated = readFileSync(paths.readme, "utf8");
    const edited = generated.replace("| GET | `/audit` | — | inferred |", "| GET | `/audit` | — | docs |");
    expect(edited).not.toBe(generated);
    writeFileSync(paths.readme, edited);

    expect(await syncReadme({ ...paths, root, check: true })).toBe("drift");
    const failure = await run(process.execPath, [cli, "tiny", "--check", `--root=${root}`]).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("packages/tiny/README.md");
    expect(failure.stderr).toContain("does not match");
    expect(readFileSync(paths.readme, "utf8")).toBe(edited);

    await run(process.execPath, [cli, "tiny", `--root=${root}`]);
    expect(readFileSync(paths.readme, "utf8")).toBe(generated);
  });

  it("--check fails after the spec changes", async () => {
    await run(process.execPath, [cli, "tiny", `--root=${root}`]);
    writeFileSync(paths.spec, tinySpec.replace("x-cdpkit-evidence: sdk", "x-cdpkit-evidence: traffic"));
    const failure = await run(process.execPath, [cli, "tiny", "--check", `--root=${root}`]).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("packages/tiny/README.md");
  });

  it("fails, naming the README, when the markers are missing", async () => {
    writeFileSync(paths.readme, "# @cdpkit/tiny\n");
    const failure = await run(process.execPath, [cli, "tiny", `--root=${root}`]).catch((e) => e);
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain("packages/tiny/README.md");
    expect(failure.stderr).toContain(START);
    expect(readFileSync(paths.readme, "utf8")).toBe("# @cdpkit/tiny\n");
  });

  it("the committed table of every vendor README in this repo matches its spec", async () => {
    const vendors = listVendors();
    expect(vendors).toContain("dfinery");
    for (const vendor of vendors) expect(await syncReadme({ ...readmePaths(vendor), check: true }), vendor).toBe("unchanged");
  });
});
