import { describe, expect, it } from 'vitest';
import { externalLinkUrl, isExternalLink } from '../../../src-main/common/external-links';

describe('which links may open outside the app', () => {
  it.each([
    ['https://example.com/a?b=c#d', 'https://example.com/a?b=c#d'],
    ['http://example.org', 'http://example.org/'],
    ['  HTTPS://Example.com  ', 'https://example.com/'],
    ['mailto:someone@example.com', 'mailto:someone@example.com'],
  ])('opens %s', (href, url) => {
    expect(externalLinkUrl(href)?.href).toBe(url);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'java\tscript:alert(1)',
    'vbscript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'app://phi-desk/index.html',
    '/index.html',
    '#top',
    '//evil.example/x',
    'https://',
    'not a url',
    '',
  ])('keeps %j inside the message as text', (href) => {
    expect(isExternalLink(href)).toBe(false);
  });
});
