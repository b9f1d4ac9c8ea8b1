import { CHROME_ATTRIBUTE } from './code-block';
import { texOf } from './math';

/**
 * The text of rendered Markdown as a reader would copy it: no markup, blocks separated by a blank line, list items
 * and table rows on lines of their own (items with their bullet or number, cells separated by tabs), line breaks
 * where the writer broke lines, code exactly as written, a formula as its TeX. The app's own controls (a code block's
 * language label and Copy button) are not part of it.
 *
 * Read from the DOM rather than from `innerText`: it does not depend on layout, so it works for a message that is
 * not on screen, and it is the same in every browser.
 */
export function plainText(root: Element): string {
  return blocksOf(root)
    .join('\n\n')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}

const BLOCK_TAGS = new Set([
  'ADDRESS', 'BLOCKQUOTE', 'DIV', 'DL', 'FIGURE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HR', 'LI', 'OL', 'P', 'PRE',
  'TABLE', 'UL',
]);

/** The texts of the blocks in `element`, inline runs between blocks counting as one block each. */
function blocksOf(element: Element): string[] {
  const blocks: string[] = [];
  let run = '';
  const endRun = (): void => {
    if (run.trim() !== '') blocks.push(run.trim());
    run = '';
  };
  for (const node of element.childNodes) {
    if (node instanceof Element && isBlock(node)) {
      endRun();
      const text = blockText(node);
      if (text !== '') blocks.push(text);
    } else {
      run += inlineText(node);
    }
  }
  endRun();
  return blocks;
}

function isBlock(element: Element): boolean {
  return BLOCK_TAGS.has(element.tagName) || element.classList.contains('katex-display');
}

function blockText(element: Element): string {
  if (element.hasAttribute(CHROME_ATTRIBUTE)) return '';
  switch (element.tagName) {
    case 'PRE':
      return (element.textContent ?? '').replace(/\n$/, '');
    case 'HR':
      return '———';
    case 'UL':
    case 'OL':
      return listText(element);
    case 'TABLE':
      return [...element.querySelectorAll('tr')]
        .map((row) => [...row.cells].map((cell) => inlineText(cell).trim()).join('\t'))
        .join('\n');
    default: {
      const tex = element.classList.contains('katex-display') ? texOf(element.firstElementChild ?? element) : null;
      return tex ?? blocksOf(element).join('\n\n');
    }
  }
}

/** A list: one item per line, with its bullet or number; an item's own blocks and nested lists indented under it. */
function listText(list: Element): string {
  const ordered = list.tagName === 'OL';
  let number = Number(list.getAttribute('start') ?? '1') || 1;
  const items: string[] = [];
  for (const item of list.children) {
    if (item.tagName !== 'LI') continue;
    const marker = ordered ? `${number++}. ` : '• ';
    const text = blocksOf(item).join('\n').replace(/\n/g, `\n${' '.repeat(marker.length)}`);
    items.push(marker + text);
  }
  return items.join('\n');
}

function inlineText(node: Node): string {
  if (node instanceof Text) return node.data;
  if (!(node instanceof Element)) return '';
  if (node.hasAttribute(CHROME_ATTRIBUTE)) return '';
  if (node.tagName === 'BR') return '\n';
  if (node instanceof HTMLInputElement && node.type === 'checkbox') return node.checked ? '☑' : '☐';
  const tex = texOf(node);
  if (tex !== null) return tex;
  if (isBlock(node)) return `\n${blockText(node)}\n`;
  let text = '';
  for (const child of node.childNodes) text += inlineText(child);
  return text;
}
