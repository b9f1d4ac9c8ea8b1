import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * What an HTML export carries inside itself so that it opens offline with nothing fetched: highlight.js's GitHub
 * themes (light, and dark under `prefers-color-scheme`), KaTeX's stylesheet, and KaTeX's fonts as `data:` URLs.
 *
 * Fonts: KaTeX lays out formulas with the metrics of its own fonts, so with system fonts instead, fractions, roots
 * and big delimiters come out misaligned. All 20 woff2 faces are 296 KB (395 KB as base64) — too much to put in every
 * file — but a page uses few of them: each formula's classes name the faces it needs (KaTeX's stylesheet maps
 * `.mathnormal` to KaTeX_Math italic, `.mathbf` to KaTeX_Main bold…), so only those faces are embedded, and none in
 * a file without math. Typical math (KaTeX_Main regular, KaTeX_Math italic, a size or two) adds about 70 KB; a face
 * missing because a style was inherited in a way this mapping does not see is synthesised by the browser from the
 * regular face. The packages are read from node_modules (they are runtime dependencies), once.
 */

const require = createRequire(import.meta.url);

/** One `@font-face` of KaTeX's: which family, weight and style, and its woff2 file. */
interface FontFace {
  family: string;
  weight: string;
  style: string;
  file: string;
}

/** A rule of KaTeX's stylesheet that sets a font: the classes that select it and the face it asks for. */
interface FontRule {
  classes: string[];
  family: string;
  weight: string | null;
  style: string | null;
}

export interface HtmlAssets {
  /** highlight.js's themes: light, and dark inside `@media (prefers-color-scheme: dark)`. */
  highlightCss: string;
  /** KaTeX's stylesheet without its `@font-face` rules (they point at files beside it). */
  katexCss: string;
  /** `@font-face` rules with `data:` URLs for the faces the classes in `usedClasses` need. */
  fontFaces(usedClasses: ReadonlySet<string>): string;
}

let loaded: HtmlAssets | null = null;

/** The assets, read from the packages on first use. */
export function htmlAssets(): HtmlAssets {
  loaded ??= loadAssets();
  return loaded;
}

function loadAssets(): HtmlAssets {
  const read = (specifier: string): string => readFileSync(require.resolve(specifier), 'utf8');
  const light = withoutComments(read('highlight.js/styles/github.min.css'));
  const dark = withoutComments(read('highlight.js/styles/github-dark.min.css'));
  const katexFile = require.resolve('katex/dist/katex.min.css');
  const katex = readFileSync(katexFile, 'utf8');
  const fontFolder = path.join(path.dirname(katexFile), 'fonts');

  const faces: FontFace[] = [];
  const rules: FontRule[] = [];
  // The minified stylesheet is flat rules and a few @media blocks; a rule is `selectors{declarations}`.
  for (const match of katex.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const [, selectors = '', body = ''] = match;
    if (selectors.trim() === '@font-face') {
      const family = /font-family:([^;]+)/.exec(body)?.[1]?.trim();
      const file = /url\(fonts\/([^)]+\.woff2)\)/.exec(body)?.[1];
      if (family && file) {
        faces.push({
          family,
          weight: /font-weight:([^;]+)/.exec(body)?.[1]?.trim() ?? '400',
          style: /font-style:([^;]+)/.exec(body)?.[1]?.trim() ?? 'normal',
          file,
        });
      }
      continue;
    }
    const family = /font-family:\s*(KaTeX_\w+)/.exec(body)?.[1] ?? /font:[^;]*?(KaTeX_\w+)/.exec(body)?.[1];
    if (!family) continue;
    for (const selector of selectors.split(',')) {
      // The last compound selector (`.delimsizing.size1` of `.katex .delimsizing.size1`) says which element it styles.
      const last = selector.trim().split(/\s+/).at(-1) ?? '';
      const classes = [...last.matchAll(/\.([\w-]+)/g)].map((found) => found[1] ?? '');
      if (classes.length > 0) {
        rules.push({
          classes,
          family,
          weight: /font-weight:([^;]+)/.exec(body)?.[1]?.trim() ?? null,
          style: /font-style:([^;]+)/.exec(body)?.[1]?.trim() ?? null,
        });
      }
    }
  }
  // Its @font-face rules point at files beside it: the page gets its own, with data: URLs, for the faces it uses.
  const katexCss = katex.replace(/@font-face\{[^{}]*\}/g, '');
  const encoded = new Map<string, string>();
  const dataUrl = (file: string): string => {
    let url = encoded.get(file);
    if (url === undefined) {
      url = `data:font/woff2;base64,${readFileSync(path.join(fontFolder, file)).toString('base64')}`;
      encoded.set(file, url);
    }
    return url;
  };

  return {
    highlightCss: `${light}\n@media (prefers-color-scheme: dark) {\n${dark}\n}\n`,
    katexCss,
    fontFaces(usedClasses) {
      const wanted = new Set<string>();
      const face = (family: string, weight: string | null, style: string | null): void => {
        wanted.add(`${family}|${normalWeight(weight)}|${style ?? 'normal'}`);
      };
      face('KaTeX_Main', null, null); // `.katex` itself
      for (const rule of rules) {
        if (rule.classes.every((name) => usedClasses.has(name))) face(rule.family, rule.weight, rule.style);
      }
      return faces
        .filter((candidate) => wanted.has(`${candidate.family}|${normalWeight(candidate.weight)}|${candidate.style}`))
        .map(
          (candidate) =>
            `@font-face{font-display:block;font-family:${candidate.family};font-style:${candidate.style};` +
            `font-weight:${candidate.weight};src:url(${dataUrl(candidate.file)}) format("woff2")}`,
        )
        .join('\n');
    },
  };
}

function normalWeight(weight: string | null): string {
  if (weight === null || weight === 'normal') return '400';
  if (weight === 'bold') return '700';
  return weight;
}

function withoutComments(css: string): string {
  return css.replace(/\/\*[\s\S]*?\*\//g, '').trim();
}
