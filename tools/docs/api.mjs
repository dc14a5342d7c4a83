// The typedoc API of the published packages. One typedoc run over every package's entry point: a single
// TypeScript program is a fraction of the time of one program per package (~20 s against ~2 min on a
// 2-core machine), and each package still gets its own module page, named after the package.
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { Application, OptionDefaults, PageEvent, ReflectionKind } from "typedoc";

/**
 * @param {{ root: string, packages: string[], workDir: string, outDir: string, indexHref: string }} options
 *   packages: directory names under packages/ (core and the vendors); indexHref: the site index, relative to outDir;
 *   favicon: an icon file typedoc copies and links
 * @returns {Promise<Map<string, string>>} package directory name -> its module page, relative to outDir
 */
export async function buildApi({ root, packages, workDir, outDir, indexHref, favicon }) {
  await mkdir(workDir, { recursive: true });
  const sources = packages.map((name) => join(root, "packages", name, "src"));
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
    entryPoints: sources.map((dir) => join(dir, "index.ts")),
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
  for (const module of project.children ?? []) {
    const directory = packages.find((name) => module.name === `${name}/src` || module.name === name);
    if (!directory) throw new Error(`typedoc made a module "${module.name}" that is no package entry point`);
    module.name = `@cdpkit/${directory}`;
    byName.set(directory, module);
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
