import type { Language } from 'highlight.js';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import latex from 'highlight.js/lib/languages/latex';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

/**
 * Syntax highlighting for code blocks: highlight.js's core with the languages a chat about code mostly shows (the
 * full bundle is ~1 MB; these are a tenth of it). Output is class-based (`hljs-keyword` spans), so it needs no inline
 * styles under the CSP; the colours are in the renderer's `styles/code-highlight.css` (and in the HTML export's own
 * stylesheet: the main process highlights an export's code with this same module).
 */
const LANGUAGES = {
  bash, c, cpp, csharp, css, diff, go, ini, java, javascript, json, kotlin, latex, markdown, php, plaintext, python,
  ruby, rust, shell, sql, swift, typescript, xml, yaml,
};
/** Each registered grammar's name here (what an alias like `py` or `html` stands for). */
const registeredNames = new Map<Language, string>();
for (const [name, definition] of Object.entries(LANGUAGES)) {
  hljs.registerLanguage(name, definition);
  const language = hljs.getLanguage(name);
  if (language) registeredNames.set(language, name);
}

/**
 * The languages a block without one is tried as: the ones chats show most. Fewer candidates, fewer wrong guesses
 * (every grammar finds a few of its keywords in prose), and less work.
 */
const AUTO_DETECT = [
  'python', 'javascript', 'typescript', 'bash', 'sql', 'xml', 'css', 'java', 'cpp', 'csharp', 'go', 'rust', 'php',
  'ruby', 'yaml',
];

/**
 * Below this, an auto-detected language is a guess (prose or program output scores a point or two in many
 * grammars): such a block is shown as plain text rather than coloured wrongly.
 */
const AUTO_DETECT_MIN_RELEVANCE = 3;

/** Auto-detection runs every grammar over the code; beyond this size a block without a language stays plain. */
const AUTO_DETECT_MAX_CHARS = 20_000;

export interface HighlightedCode {
  /** HTML: the code escaped, with `<span class="hljs-…">` around its tokens. */
  html: string;
  /** The language it was highlighted as (highlight.js's name, e.g. `python`), or `null` for plain text. */
  language: string | null;
}

/**
 * Highlight `code` as `fenceLanguage` (the word after the opening fence, aliases like `py` and `ts` included), or,
 * without one, as the registered language it most looks like. A language this build does not know leaves the code
 * plain (escaped), as does a guess too weak to trust.
 */
export function highlightCode(code: string, fenceLanguage: string | undefined): HighlightedCode {
  const requested = fenceLanguage?.trim().toLowerCase() ?? '';
  if (requested !== '') {
    const language = hljs.getLanguage(requested);
    if (!language) return { html: escapeHtml(code), language: null };
    const html = hljs.highlight(code, { language: requested, ignoreIllegals: true }).value;
    return { html, language: registeredNames.get(language) ?? requested };
  }
  if (code.length > AUTO_DETECT_MAX_CHARS) return { html: escapeHtml(code), language: null };
  if (isJson(code)) return highlightCode(code, 'json'); // the grammars' scores confuse JSON with CSS
  const guess = hljs.highlightAuto(code, AUTO_DETECT);
  if (!guess.language || guess.language === 'plaintext' || guess.relevance < AUTO_DETECT_MIN_RELEVANCE) {
    return { html: escapeHtml(code), language: null };
  }
  return { html: guess.value, language: guess.language };
}

function isJson(code: string): boolean {
  if (!/^\s*[{[]/.test(code)) return false;
  try {
    JSON.parse(code);
    return true;
  } catch {
    return false;
  }
}

/** Escape text for use as HTML element content or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
