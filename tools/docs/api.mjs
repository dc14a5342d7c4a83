// The typedoc API of the published packages. One typedoc run over every package's entry points: a single
// TypeScript program is a fraction of the time of one program per package (~20 s against ~2 min on a
// 2-core machine), and each package still gets its own module page, named after the package.
import { readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Application, OptionDefaults, PageEvent, ReflectionKind } from "typedoc";
import { sourceOfDistFile } from "../../scripts/build-facts.mjs";

/**
 * @param {{ root: string, packages: string[], workDir: string, outDir: string, indexHref: string }} options
 *   packages: directory names under packages/ (core and the vendors); indexHref: the site index, relative to outDir;
 *   favicon: an icon file typedoc copies and links
 * @returns {Promise<Map<string, string>>} package directory name -> its module page, relative to outDir
 */
export async function buildApi({ root, packages, workDir, outDir, indexHref, favicon }) {
  await mkdir(workDir, { recursive: true });
  const sources = packages.map((name) => join(root, "packages", name, "src"));
  // Every entry point a package's exports map publishes (`@cdpkit/core/batch`...), as its source file; the
  // error classes and package.json are left out (the root re-exports the errors).
  const entries = packages.flatMap((name) => {
    const { exports } = JSON.parse(readFileSync(join(root, "packages", name, "package.json"), "utf8"));
    return Object.entries(exports)
      .filter(([subpath, target]) => typeof target === "object" && subpath !== "./errors")
      .map(([subpath, target]) => ({
        directory: name,
        subpath: subpath.slice(1),
        file: join(root, "packages", name, sourceOfDistFile(target.default)),
      }));
  });
  // One program over every package's src: tsconfig paths are relative to the tsconfig file.
  const tsconfig = join(workDir, "tsconfig.api.json");
  await writeFile(
    tsconfig,
    JSON.stringify(
      {
        extends: relative(workDir, join(root, "tsconfig.base.json")),
        compilerOptions: { noEmit: true, types: ["node"] },
        include: sources.map((dir) => relative(workDir, dir)),
      },
      null,
      2,
    ),
  );
  const app = await Application.bootstrapWithPlugins({
    name: "cdpkit API",
    entryPoints: entries.map((entry) => entry.file),
    tsconfig,
    readme: "none",
    // The packages are type-checked by their own tests; typedoc only documents them.
    skipErrorChecking: true,
    // openapi-typescript writes @description on the generated types.
    blockTags: [...OptionDefaults.blockTags, "@description"],
    navigationLinks: { "Reference site": indexHref },
    excludePrivate: true,
    favicon,
    githubPages: false,
    logLevel: "Error",
  });
  const project = await app.convert();
  if (!project) throw new Error("typedoc could not convert the packages (see the errors above)");
  const byName = new Map();
  // typedoc names a module by its file's path below the common root (`core/src/batch`; an index by its folder).
  const moduleNames = new Map(
    entries.map((entry) => {
      const base = relative(join(root, "packages"), entry.file)
        .replace(/\.ts$/, "")
        .replace(/\/index$/, "");
      return [base, entry];
    }),
  );
  for (const module of project.children ?? []) {
    const entry = moduleNames.get(module.name) ?? moduleNames.get(`${module.name}/src`);
    if (!entry) throw new Error(`typedoc made a module "${module.name}" that is no package entry point`);
    module.name = `@cdpkit/${entry.directory}${entry.subpath}`;
    if (entry.subpath === "") byName.set(entry.directory, module);
  }
  // Page addresses are the renderer's to choose; note each module's as its page is written.
  const pages = new Map();
  app.renderer.on(PageEvent.END, (page) => {
    if (page.model?.kindOf?.(ReflectionKind.Module)) pages.set(page.model, page.url);
  });
  await app.generateDocs(project, outDir);
  if (app.logger.hasErrors()) throw new Error("typedoc reported errors while rendering");
  return new Map(
    [...byName].map(([directory, module]) => {
      if (!pages.has(module)) throw new Error(`typedoc wrote no page for ${module.name}`);
      return [directory, pages.get(module)];
    }),
  );
}
