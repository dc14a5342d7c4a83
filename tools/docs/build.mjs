#!/usr/bin/env node
// `pnpm run docs` (a bare `pnpm docs` is pnpm's own command, which opens a package's home page) builds the
// static reference site into tools/docs/site/, or the directory given as the first argument. Per vendor:
// the Redocly reference of its spec with each operation's evidence, and the typedoc API of its package;
// the guides; and an index page linking them.
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { countsLine } from "@cdpkit/codegen/readme-table";
import { repoRoot, vendorSpec } from "@cdpkit/mock";
import { parse as parseYaml } from "yaml";
import { buildApi } from "./api.mjs";
import { buildGuides, escapeHtml, htmlPage } from "./guides.mjs";
import { buildReference } from "./reference.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const defaultSiteDir = join(here, "site");

/** The vendors, in the order redocly.yaml lists their specs. */
export async function vendorsOf(root = repoRoot) {
  const config = parseYaml(await readFile(join(root, "redocly.yaml"), "utf8"));
  return Object.keys(config.apis ?? {});
}

/** Where each page of a vendor lives, relative to the site root (the browser test reads the same). */
export const referencePage = (vendor) => `${vendor}/reference.html`;
export const guidePage = (name) => `guides/${name}.html`;

/**
 * Builds the whole site. Returns a manifest of what was written (also saved as site.json):
 * per vendor its title, operations (method, path, evidence) and pages.
 */
export async function buildSite({ outDir = defaultSiteDir, root = repoRoot, log = console.log } = {}) {
  const started = Date.now();
  const vendors = await vendorsOf(root);
  const workDir = join(outDir, "..", ".build");
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await copyFile(join(here, "favicon.svg"), join(outDir, "favicon.svg"));

  const guides = [
    { name: "readme", source: "README.md", title: "cdpkit" },
    { name: "architecture", source: "ARCHITECTURE.md", title: "Architecture" },
    { name: "examples", source: "examples/README.md", title: "Examples" },
    { name: "core", source: "packages/core/README.md", title: "@cdpkit/core" },
    ...vendors.map((vendor) => ({ name: vendor, source: `packages/${vendor}/README.md`, title: `@cdpkit/${vendor}` })),
  ]
    .filter((guide) => existsSync(join(root, guide.source)))
    .map((guide) => ({ ...guide, page: guidePage(guide.name) }));

  const [apiPages, ...references] = await Promise.all([
    buildApi({
      root,
      packages: ["core", ...vendors],
      workDir,
      outDir: join(outDir, "api"),
      indexHref: "../index.html",
      favicon: join(here, "favicon.svg"),
    }),
    ...vendors.map((vendor) =>
      buildReference({
        vendor,
        specPath: vendorSpec(vendor),
        workDir,
        outFile: join(outDir, referencePage(vendor)),
        faviconHref: "../favicon.svg",
      }),
    ),
  ]);
  await buildGuides({ root, guides, outDir });

  const manifest = {
    vendors: vendors.map((vendor, n) => ({
      vendor,
      title: references[n].title,
      operations: references[n].operations,
      reference: referencePage(vendor),
      api: `api/${apiPages.get(vendor)}`,
      guide: guidePage(vendor),
    })),
    core: { api: `api/${apiPages.get("core")}`, guide: guidePage("core") },
    guides: guides.map(({ title, page, source }) => ({ title, page, source })),
  };
  await writeFile(join(outDir, "index.html"), indexPage(manifest));
  await writeFile(join(outDir, "site.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`docs: site written to ${relative(root, join(outDir, "index.html"))} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return manifest;
}

function indexPage(manifest) {
  const link = (href, text) => `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
  const rows = manifest.vendors.map(
    (v) =>
      `<tr><th>${escapeHtml(v.title)}</th><td>${link(v.reference, "API reference")}<br><small>${escapeHtml(countsLine(v.operations))}</small></td>` +
      `<td>${link(v.api, `@cdpkit/${v.vendor}`)}</td><td>${link(v.guide, "README")}</td></tr>`,
  );
  rows.push(
    `<tr><th>Shared policies</th><td>—</td><td>${link(manifest.core.api, "@cdpkit/core")}</td><td>${link(manifest.core.guide, "README")}</td></tr>`,
  );
  const guides = manifest.guides.map((g) => `<li>${link(g.page, g.title)} <small>(${escapeHtml(g.source)})</small></li>`).join("\n");
  return htmlPage({
    title: "cdpkit reference",
    body: `<h1>cdpkit reference</h1>
<p>Typed TypeScript clients for customer-data and marketing platform APIs. For each vendor: the HTTP API as the spec
describes it (every operation badged with the evidence behind it), and the TypeScript API of its package.</p>
<table id="vendors">
<thead><tr><th>vendor</th><th>HTTP API (Redocly, from the spec)</th><th>TypeScript API (typedoc)</th><th>guide</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
<h2>Guides</h2>
<ul id="guides">
${guides}
</ul>`,
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await buildSite({ outDir: process.argv[2] ? resolve(process.argv[2]) : defaultSiteDir });
  } catch (error) {
    console.error(`docs: ${error?.stack ?? error}`);
    process.exitCode = 1;
  }
}
