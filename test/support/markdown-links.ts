import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import GithubSlugger from "github-slugger";
import MarkdownIt from "markdown-it";

type Token = MarkdownIt.Token;

const md = new MarkdownIt({ html: true });

/** A link that does not resolve: where it stands, what it says, and why it fails. */
export interface BrokenLink {
  file: string;
  href: string;
  reason: string;
}

/**
 * The `#anchors` a Markdown document offers, as GitHub makes them: each heading's text through GitHub's own
 * slugger (duplicates get `-1`, `-2`, ...), plus any `<a id>` or `<a name>` in its HTML.
 */
export function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  const tokens = md.parse(markdown, {});
  tokens.forEach((token, i) => {
    if (token.type === "heading_open") anchors.add(slugger.slug(plainText(tokens[i + 1])));
    if (token.type === "html_block" || token.type === "inline") {
      const html = token.type === "inline" ? htmlOf(token) : token.content;
      for (const m of html.matchAll(/<a\s[^>]*\b(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
    }
  });
  return anchors;
}

/** Every link and image target in a Markdown document (code spans and fences hold none). */
export function linksOf(markdown: string): string[] {
  return md
    .parse(markdown, {})
    .flatMap((t) => t.children ?? [])
    .flatMap((t) => {
      const target =
        t.type === "link_open" ? t.attrGet("href") : t.type === "image" ? t.attrGet("src") : null;
      return target === null ? [] : [String(target)];
    });
}

/**
 * The relative links of `files` (paths from `root`) that do not resolve: a file or folder that does not exist
 * or lies outside `root`, or an `#anchor` that the Markdown file it points into does not offer. Absolute URLs
 * (`https:`, `mailto:`) are not followed: no test needs the network.
 */
export function brokenLinks(root: string, files: string[]): BrokenLink[] {
  const anchors = new Map<string, Set<string>>();
  const anchorsIn = (file: string) => {
    let set = anchors.get(file);
    if (!set) {
      set = anchorsOf(readFileSync(file, "utf8"));
      anchors.set(file, set);
    }
    return set;
  };
  return files.flatMap((file) => {
    const from = path.join(root, file);
    return linksOf(readFileSync(from, "utf8")).flatMap((href): BrokenLink[] => {
      if (/^[a-z][a-z+.-]*:/i.test(href)) return [];
      const [target, anchor] = splitHref(href);
      const to = target === "" ? from : path.resolve(path.dirname(from), target);
      const broken = (reason: string) => [{ file, href, reason }];
      if (path.relative(root, to).startsWith("..")) return broken("points outside the repository");
      if (!existsSync(to)) return broken("no such file");
      if (anchor === undefined) return [];
      if (statSync(to).isDirectory() || !to.endsWith(".md"))
        return broken("an anchor into a file that has none");
      return anchorsIn(to).has(anchor) ? [] : broken(`no heading makes #${anchor}`);
    });
  });
}

/** The Markdown files of the repository (node_modules and build output aside), as paths from `root`. */
export function markdownFiles(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith(".") || entry.name === "node_modules" || entry.name === "dist") return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(root, full);
    return entry.name.endsWith(".md") ? [path.relative(root, full)] : [];
  });
}

function splitHref(href: string): [string, string | undefined] {
  const hash = href.indexOf("#");
  if (hash < 0) return [decodeURIComponent(href), undefined];
  return [decodeURIComponent(href.slice(0, hash)), decodeURIComponent(href.slice(hash + 1))];
}

/** A heading's text as GitHub slugs it: what it shows, markup and link targets left out. */
function plainText(inline: Token | undefined): string {
  return (inline?.children ?? [])
    .filter((t) => t.type === "text" || t.type === "code_inline")
    .map((t) => t.content)
    .join("");
}

function htmlOf(inline: Token): string {
  return (inline.children ?? [])
    .filter((t) => t.type === "html_inline")
    .map((t) => t.content)
    .join("");
}
