/**
 * The app's small line icons (24×24 view box, drawn with the current text colour): the path data only, so the same
 * shapes serve Svelte markup (`Icon.svelte`) and DOM built by script (a code block's Copy button). Inline SVG is
 * part of the page — nothing is fetched, and the CSP allows it.
 */
export const ICONS = {
  copy: ['M8 8h11v11H8z', 'M5 16V5h11'],
  check: ['M5 12.5l4.5 4.5L19 7.5'],
  plainText: ['M4 6h16', 'M4 12h16', 'M4 18h10'],
  edit: ['M4 20h4L19 9l-4-4L4 16z', 'M13.5 6.5l4 4'],
  regenerate: ['M20 12a8 8 0 1 1-2.34-5.66', 'M20 4v5h-5'],
  delete: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
} as const satisfies Record<string, readonly string[]>;

export type IconName = keyof typeof ICONS;

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The icon as an `<svg>` element, hidden from assistive technology (the button around it carries the name). */
export function createIcon(name: IconName): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon');
  for (const d of ICONS[name]) {
    const path = document.createElementNS(SVG_NS, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}
