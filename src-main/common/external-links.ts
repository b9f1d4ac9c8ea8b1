/**
 * Which link addresses a message may open, and where: one rule for the renderer (which turns only these into links)
 * and the desktop window (which hands only these to the system browser or mail program). Anything else —
 * `javascript:`, `data:`, `vbscript:`, `file:`, relative paths that would navigate the app itself — stays inert text.
 */

/** Schemes a link in a message may use. */
export const EXTERNAL_LINK_SCHEMES: readonly string[] = ['http:', 'https:', 'mailto:'];

/**
 * The absolute URL `href` names, when it is a web or mail address that may open outside the app; `null` otherwise.
 * Parsed, not pattern-matched: `JaVaScRiPt:`, entity-free tricks with tabs and newlines, and scheme-relative `//host`
 * are all decided the way a browser would read them.
 */
export function externalLinkUrl(href: string): URL | null {
  let url: URL;
  try {
    // No base: a relative address (which would resolve against the app's own origin) does not parse.
    url = new URL(href.trim());
  } catch {
    return null;
  }
  if (!EXTERNAL_LINK_SCHEMES.includes(url.protocol)) return null;
  if (url.protocol !== 'mailto:' && url.hostname === '') return null;
  return url;
}

/** Whether `href` may open outside the app (see {@link externalLinkUrl}). */
export function isExternalLink(href: string): boolean {
  return externalLinkUrl(href) !== null;
}
