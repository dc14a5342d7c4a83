// The guides (the repo's Markdown: READMEs, ARCHITECTURE.md) as HTML pages of the site. A link to
// another guide goes to its page; a link to any other file of the repo becomes its plain text with the
// path as a tooltip, so the site has no link that leads nowhere.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { Marked } from "marked";

export const escapeHtml = (text) =>
  String(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** GitHub's heading anchors, so `README.md#set-up` links keep working on the site. */
export function slug(text) {
  return text
    .toLowerCase()
    .replace(/<[^>]*>/g, "")
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .trim()
    .replace(/\s/g, "-");
}

export const pageStyle = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }
  pre { background: #f4f4f4; padding: .75rem; overflow-x: auto; } code { font-size: .9em; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
  .repo-path { border-bottom: 1px dotted #888; } nav { margin-bottom: 1.5rem; }`;

/** A page of the site; `indexHref` is the site index relative to the page (the favicon sits beside it). */
export function htmlPage({ title, body, indexHref = "index.html" }) {
  const siteRoot = indexHref.slice(0, -"index.html".length);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<link rel="icon" href="${siteRoot}favicon.svg">
<style>${pageStyle}</style></head>
<body>
${indexHref === "index.html" ? "" : `<nav><a href="${indexHref}">← cdpkit reference site</a></nav>\n`}${body}
</body>
</html>
`;
}

/**
 * @param {{ root: string, guides: { source: string, page: string, title: string }[], outDir: string }} options
 *   source: a Markdown file relative to root; page: its HTML page relative to outDir
 */
export async function buildGuides({ root, guides, outDir }) {
  const pageOf = new Map(guides.map((guide) => [resolve(root, guide.source), guide.page]));
  for (const guide of guides) {
    const source = resolve(root, guide.source);
    const pageDir = dirname(join(outDir, guide.page));
    const marked = new Marked({
      gfm: true,
      renderer: {
        heading({ tokens, depth }) {
          const html = this.parser.parseInline(tokens);
          return `<h${depth} id="${slug(html)}">${html}</h${depth}>\n`;
        },
        link({ href, tokens }) {
          const text = this.parser.parseInline(tokens);
          if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("#")) return `<a href="${escapeHtml(href)}">${text}</a>`;
          const [target, hash] = href.split("#");
          const file = resolve(dirname(source), target);
          const page = pageOf.get(file) ?? pageOf.get(join(file, "README.md"));
          if (page) return `<a href="${escapeHtml(relative(pageDir, join(outDir, page)) + (hash ? `#${hash}` : ""))}">${text}</a>`;
          return `<span class="repo-path" title="${escapeHtml(relative(root, file))} in the repository">${text}</span>`;
        },
      },
    });
    const body = await marked.parse(await readFile(source, "utf8"));
    await mkdir(pageDir, { recursive: true });
    await writeFile(
      join(outDir, guide.page),
      htmlPage({ title: guide.title, body, indexHref: relative(pageDir, join(outDir, "index.html")) }),
    );
  }
}
