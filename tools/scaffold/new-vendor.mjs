#!/usr/bin/env node
// Scaffolds a new vendor the way specs/dfinery + packages/dfinery are laid out: a lint-clean spec
// skeleton, the package (client over @cdpkit/core, tests against a Prism mock of the spec, README),
// the redocly.yaml entry and a changeset. It never overwrites: an existing file is an error.
//
//   pnpm new-vendor <vendor> --server <documented API host> [--title "Display Name"]
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../..");

/** Tool versions the scaffolded package pins: the ones the existing packages use. */
export const PINS = {
  "@redocly/cli": "2.77.0",
  "@types/node": "^20.19.0",
  "openapi-fetch": "0.17.0",
  typescript: "5.9.3",
  vitest: "4.1.12",
};

/** Where every package's metadata points (an assumed home: the project has no public repository yet). */
export const REPOSITORY = "https://github.com/cdpkit/cdpkit";

/** The codegen inputs of a vendor's turbo tasks: the tool's own files, not its node_modules or turbo logs. */
const CODEGEN_INPUTS = [
  "$TURBO_ROOT$/tools/codegen/**",
  "!$TURBO_ROOT$/tools/codegen/node_modules/**",
  "!$TURBO_ROOT$/tools/codegen/.turbo/**",
];

export class ScaffoldError extends Error {
  name = "ScaffoldError";
}

const VENDOR_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** "acme-cdp" -> { pascal: "AcmeCdp", camel: "acmeCdp", constant: "ACME_CDP" } */
export function namesFor(vendor) {
  if (typeof vendor !== "string" || !VENDOR_NAME.test(vendor)) {
    throw new ScaffoldError(
      `vendor name ${JSON.stringify(vendor)} is not valid: use lower-case letters and digits, words joined by "-" (e.g. "synerise", "acme-cdp")`,
    );
  }
  const words = vendor.split("-");
  const pascal = words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
  return { vendor, pascal, camel: pascal[0].toLowerCase() + pascal.slice(1), constant: words.join("_").toUpperCase() };
}

function json(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Every file the scaffold writes, path (relative to the repo root) -> content. */
export function filesFor({ vendor, title, server }) {
  const n = namesFor(vendor);
  if (typeof server !== "string" || !URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol)) {
    throw new ScaffoldError(`--server must be the vendor's documented API host as an absolute http(s) URL, got ${JSON.stringify(server)}`);
  }
  const name = title ?? n.pascal;
  const pkg = `packages/${vendor}`;
  const files = {};

  files[`specs/${vendor}/openapi.yaml`] = `openapi: 3.1.0
info:
  title: ${name} API
  version: 0.0.0
  summary: ${name}'s HTTP API as cdpkit describes it.
  description: |
    Written by the cdpkit project from ${name}'s public documentation. Add each operation with its docs'
    examples; never invent one the docs do not show.
    Vendor extensions: \`x-cdpkit-evidence\` (where a statement comes from), \`x-cdpkit-note\` (a decision
    taken where the docs are unclear, with the passage it rests on), \`x-cdpkit-rate-limit\` (the
    documented limit of an operation: scope, limit, intervalMs) and \`x-cdpkit-idempotent\` (safe to repeat).
  license:
    name: MIT
    identifier: MIT
  x-cdpkit-note: >-
    The license applies to this description file written by cdpkit, not to the ${name} service or its documentation.
servers:
  - url: ${server}
    description: The documented API host.
paths: {}
components:
  securitySchemes: {}
`;

  files[`${pkg}/package.json`] = json({
    name: `@cdpkit/${vendor}`,
    version: "0.0.0",
    description: `Typed client for the ${/\bAPI$/.test(name) ? name : `${name} API`}, generated from an OpenAPI spec.`,
    keywords: ["cdpkit", "typescript", "openapi", "api-client", "fetch", vendor],
    homepage: `${REPOSITORY}/tree/main/${pkg}#readme`,
    bugs: { url: `${REPOSITORY}/issues` },
    repository: { type: "git", url: `git+${REPOSITORY}.git`, directory: pkg },
    license: "MIT",
    type: "module",
    main: "./dist/index.js",
    types: "./dist/index.d.ts",
    // types first; "default" lets both import and require (Node >= 20.19) load the ES module.
    exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./package.json": "./package.json" },
    // src ships so the source and declaration maps resolve; the bundled spec is for the mock only.
    files: ["dist", "src", "!src/generated/openapi.bundled.yaml", "README.md", "CHANGELOG.md", "LICENSE"],
    sideEffects: false,
    engines: { node: ">=20.19.0" },
    publishConfig: { access: "public", provenance: true },
    scripts: {
      "lint:spec": `redocly lint ${vendor} --config ../../redocly.yaml --format stylish`,
      generate: `cdpkit-codegen ${vendor}`,
      "check:generated": `cdpkit-codegen ${vendor} --check`,
      build: "tsc -p tsconfig.build.json",
      test: "tsc -p tsconfig.json --noEmit && vitest run",
    },
    dependencies: { "@cdpkit/core": "workspace:^", "openapi-fetch": PINS["openapi-fetch"] },
    devDependencies: {
      "@cdpkit/codegen": "workspace:*",
      "@cdpkit/mock": "workspace:*",
      "@redocly/cli": PINS["@redocly/cli"],
      "@types/node": PINS["@types/node"],
      typescript: PINS.typescript,
      vitest: PINS.vitest,
    },
  });

  files[`${pkg}/LICENSE`] = readFileSync(join(repoRoot, "LICENSE"), "utf8");
  files[`${pkg}/tsconfig.json`] = json({
    extends: "../../tsconfig.base.json",
    compilerOptions: { noEmit: true, types: ["node"] },
    include: ["src", "test"],
  });
  files[`${pkg}/tsconfig.build.json`] = json({
    extends: "../../tsconfig.base.json",
    compilerOptions: { outDir: "dist", rootDir: "src", types: ["node"] },
    include: ["src"],
  });
  files[`${pkg}/turbo.json`] = json({
    $schema: "https://turborepo.com/schema.json",
    extends: ["//"],
    tasks: {
      "lint:spec": { inputs: ["$TURBO_ROOT$/redocly.yaml", `$TURBO_ROOT$/specs/${vendor}/**`] },
      generate: { inputs: [...CODEGEN_INPUTS, `$TURBO_ROOT$/specs/${vendor}/**`] },
      "check:generated": { inputs: [...CODEGEN_INPUTS, `$TURBO_ROOT$/specs/${vendor}/**`, "src/generated/**"] },
    },
  });

  files[`${pkg}/vitest.config.ts`] = `import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One Prism mock of specs/${vendor} for the whole run; its URL reaches tests through inject().
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
});
`;

  files[`${pkg}/test/global-setup.ts`] = `import { fileURLToPath } from "node:url";
import { startMock } from "@cdpkit/mock";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    ${n.camel}MockUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const mock = await startMock({ spec: fileURLToPath(new URL("../../../specs/${vendor}/openapi.yaml", import.meta.url)) });
  project.provide("${n.camel}MockUrl", mock.url);
  return () => mock.stop();
}
`;

  files[`${pkg}/src/client.ts`] = `import {
  assertClientOptions,
  createVendorClient,
  credentialIssue,
  type ClientBaseOptions,
  type Credential,
  type InvalidInputIssue,
  type VendorClient,
  type VendorRateLimitOptions,
} from "@cdpkit/core";
import type { Client } from "openapi-fetch";
import type { paths } from "./generated/openapi.js";
import { operations, securitySchemes, servers } from "./generated/operations.js";

const VENDOR = "${vendor}";
const FACTORY = "create${n.pascal}Client";

/** The first server of the spec. */
export const ${n.constant}_BASE_URL: string = (servers as readonly string[])[0] ?? "";

/** The security schemes of the spec, by name. */
export type ${n.pascal}SecurityScheme = keyof typeof securitySchemes & string;

export interface ${n.pascal}ClientOptions extends ClientBaseOptions {
  /** The credential per security scheme of the spec: a value, a function, or a token source. */
  credentials?: Partial<Record<${n.pascal}SecurityScheme, Credential>>;
  /** Default: the spec's first server. */
  baseUrl?: string;
  /** Client-side limits, defaulting to the spec's \`x-cdpkit-rate-limit\`. \`false\` turns them off. */
  rateLimit?: VendorRateLimitOptions | false;
  /** Throw a typed error for non-2xx responses instead of returning \`{ error, response }\`. Default false. */
  throwOnError?: boolean;
}

export type ${n.pascal}Client = Client<paths, "application/json">;

function validateOptions(options: ${n.pascal}ClientOptions): void {
  const issues: InvalidInputIssue[] = [];
  if (options.baseUrl === undefined && !URL.canParse(${n.constant}_BASE_URL)) issues.push({ path: "baseUrl", message: "must be an absolute URL" });
  for (const [scheme, value] of Object.entries(options.credentials ?? {})) {
    // Names only: a credential's value never goes into an error.
    if (!(scheme in securitySchemes)) issues.push({ path: \`credentials.\${scheme}\`, message: "is not a security scheme of the spec" });
    else if (typeof value === "string") {
      const issue = credentialIssue(\`credentials.\${scheme}\`, value);
      if (issue) issues.push(issue);
    }
  }
  assertClientOptions(VENDOR, FACTORY, options, issues);
}

/** The typed openapi-fetch client for every operation of the spec, with retries, rate limits and timeouts on. */
export function create${n.pascal}Client(options: ${n.pascal}ClientOptions = {}): ${n.pascal}Client {
  validateOptions(options);
  const credentials: Record<string, Credential | undefined> = { ...options.credentials };
  const client: VendorClient<${n.pascal}Client> = createVendorClient<paths, ${n.pascal}Client>({ vendor: VENDOR, factory: FACTORY, operations, securitySchemes }, options, {
    baseUrl: options.baseUrl ?? ${n.constant}_BASE_URL,
    credentials,
    optionFor: (scheme) => \`credentials.\${scheme}\`,
    secrets: () => Object.values(credentials).filter((c): c is string => typeof c === "string"),
    rateLimit: options.rateLimit === false ? false : { ...options.rateLimit, keyPrefix: VENDOR },
  });
  return client.api;
}
`;

  files[`${pkg}/src/index.ts`] = `export { ${n.constant}_BASE_URL, create${n.pascal}Client } from "./client.js";
export type { ${n.pascal}Client, ${n.pascal}ClientOptions, ${n.pascal}SecurityScheme } from "./client.js";
export type { paths, components, operations as operationTypes } from "./generated/openapi.js";
export { operations } from "./generated/operations.js";
export * from "@cdpkit/core/errors";
`;

  files[`${pkg}/test/client.test.ts`] = `import { describe, expect, inject, it } from "vitest";
import { create${n.pascal}Client, InvalidInputError, NotFoundError, ${n.constant}_BASE_URL } from "../src/index.js";

const baseUrl = inject("${n.camel}MockUrl");
const SECRET = "${vendor}-secret-credential-value";

describe("create${n.pascal}Client", () => {
  it("defaults to the spec's server", () => {
    expect(${n.constant}_BASE_URL).toBe(${JSON.stringify(server)});
  });

  it("rejects bad options with an InvalidInputError that names them and never echoes a credential", () => {
    const make = () =>
      create${n.pascal}Client({ baseUrl: "not a url", credentials: { notAScheme: SECRET } as never });
    expect(make).toThrow(InvalidInputError);
    expect(make).toThrow(/credentials\\.notAScheme is not a security scheme of the spec; baseUrl must be an absolute URL/);
    try {
      make();
    } catch (error) {
      expect(JSON.stringify(error)).not.toContain(SECRET);
      expect(String(error)).not.toContain(SECRET);
    }
  });

  it("refuses a call outside the spec before anything is sent, naming it", async () => {
    // Such a call would skip the spec's auth, retry and limit rules: it never reaches the Prism mock.
    const error = await create${n.pascal}Client({ baseUrl })
      .request("get" as never, "/__cdpkit_no_such_path" as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(String(error)).toContain("GET /__cdpkit_no_such_path");
    expect(error).not.toBeInstanceOf(NotFoundError);
  });
});
`;

  files[`${pkg}/README.md`] = `# @cdpkit/${vendor}

Typed client for the ${name} API: types generated from [\`specs/${vendor}\`](${REPOSITORY}/blob/main/specs/${vendor}/openapi.yaml)
by openapi-typescript, the openapi-fetch client, and \`@cdpkit/core\`'s retries, rate limits, timeouts,
typed errors and secret redaction.

**Status: scaffolded.** The spec has no operations yet; each one is added from ${name}'s docs.

\`\`\`sh
npm install @cdpkit/${vendor}
\`\`\`

\`\`\`ts
import { create${n.pascal}Client } from "@cdpkit/${vendor}";

const ${n.camel} = create${n.pascal}Client({ credentials: { /* one per security scheme of the spec */ } });
\`\`\`

## Maintainers

- Edit \`specs/${vendor}/openapi.yaml\`, then \`pnpm lint\` and \`pnpm generate\` (commit \`src/generated/\`).
- Test every operation through the client against the Prism mock (\`inject("${n.camel}MockUrl")\`), and
  validate every example in the docs against the spec.
`;

  files[`.changeset/${vendor}-initial.md`] = `---
"@cdpkit/${vendor}": minor
---

First release of \`@cdpkit/${vendor}\`: the typed client for the ${name} API.
`;
  return files;
}

/** Adds the vendor's `apis:` entry to redocly.yaml (kept as text so its comments survive). */
export function withRedoclyEntry(text, vendor) {
  if (new RegExp(`^  ${vendor}:\\s*$`, "m").test(text)) {
    throw new ScaffoldError(`redocly.yaml already has an apis entry "${vendor}"`);
  }
  if (!/^apis:\s*$/m.test(text)) throw new ScaffoldError("redocly.yaml has no top-level `apis:` section");
  const lines = text.replace(/\n*$/, "\n").split("\n");
  const start = lines.findIndex((l) => /^apis:\s*$/.test(l));
  let end = start + 1;
  while (end < lines.length && (lines[end].startsWith(" ") || lines[end] === "")) end++;
  while (end > start + 1 && lines[end - 1] === "") end--;
  lines.splice(end, 0, `  ${vendor}:`, `    root: specs/${vendor}/openapi.yaml`);
  return lines.join("\n");
}

/** Writes the scaffold under `root`. Refuses (before writing anything) if any file already exists. */
export async function scaffold({ vendor, title, server, root = repoRoot }) {
  const files = filesFor({ vendor, title, server });
  const taken = Object.keys(files).filter((file) => existsSync(join(root, file)));
  if (existsSync(join(root, "packages", vendor))) taken.unshift(`packages/${vendor}/`);
  if (taken.length > 0) throw new ScaffoldError(`will not overwrite: ${[...new Set(taken)].join(", ")} already exist(s)`);
  const redoclyPath = join(root, "redocly.yaml");
  if (!existsSync(redoclyPath)) throw new ScaffoldError(`no redocly.yaml at ${redoclyPath}`);
  const redocly = withRedoclyEntry(await readFile(redoclyPath, "utf8"), vendor);
  for (const [file, content] of Object.entries(files)) {
    const path = join(root, file);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  await writeFile(redoclyPath, redocly);
  return [...Object.keys(files), "redocly.yaml"];
}

function parseArgs(argv) {
  const args = { positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--(server|title|root)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new ScaffoldError(`--${m[1]} needs a value`);
      args[m[1]] = value;
    } else if (arg.startsWith("--")) throw new ScaffoldError(`unknown option ${arg}`);
    else args.positional.push(arg);
  }
  if (args.positional.length !== 1) {
    throw new ScaffoldError('usage: pnpm new-vendor <vendor> --server <API host URL> [--title "Display Name"]');
  }
  return args;
}

async function main(argv) {
  try {
    const args = parseArgs(argv);
    const root = args.root ? resolve(args.root) : repoRoot;
    const written = await scaffold({ vendor: args.positional[0], title: args.title, server: args.server, root });
    for (const file of written) console.log(`new-vendor: wrote ${file}`);
    const vendor = args.positional[0];
    console.log(`
Next:
  npx -y pnpm@10.34.9 install           # links @cdpkit/${vendor} into the workspace (updates the lockfile)
  npx -y pnpm@10.34.9 generate          # writes packages/${vendor}/src/generated/
  npx -y pnpm@10.34.9 test
Then add the operations to specs/${vendor}/openapi.yaml, the vendor to tools/demo and to the README table.`);
  } catch (error) {
    if (!(error instanceof ScaffoldError)) throw error;
    console.error(`new-vendor: ${error.message}`);
    process.exitCode = 2;
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2));
}
