// @vitest-environment jsdom
// @vitest-environment-options {"url": "http://127.0.0.1/?token=t&markdown-timing"}
import { afterEach, describe, expect, it } from 'vitest';
import { MarkdownRenderer } from '../../../../src-renderer/lib/markdown/incremental-renderer';
import { MARKDOWN_MEASURE, markdownTiming, type MarkdownUpdateDetail } from '../../../../src-renderer/lib/markdown/render-timing';

// With `markdown-timing` in the page's query string (as the UI benchmark opens it), every update of a renderer is a
// user-timing entry saying what it did; its duration is the time the renderer counts in `stats.ms`.

const entries = (): PerformanceMeasure[] => performance.getEntriesByName(MARKDOWN_MEASURE, 'measure') as PerformanceMeasure[];

afterEach(() => performance.clearMeasures(MARKDOWN_MEASURE));

describe('Markdown render timing (opt-in)', () => {
  it('records one entry per update, with what it did, adding up to the time the renderer counts', () => {
    expect(markdownTiming).toBe(true);
    const renderer = new MarkdownRenderer(document.createElement('div'));
    renderer.update('# Title\n\nSome', true);
    renderer.update('# Title\n\nSome words', true); // plain words: appended, nothing parsed
    renderer.update('# Title\n\nSome words\n\n- a', true); // a new block: the paragraph is finished
    renderer.update('# Title\n\nSome words\n\n- a', true); // nothing changed: no update, no entry
    renderer.update('# Title\n\nSome words\n\n- a', false);

    const details = entries().map(({ detail }) => {
      const { lexMs, ...rest } = detail as MarkdownUpdateDetail;
      expect(lexMs).toBeGreaterThanOrEqual(0);
      return rest;
    });
    expect(details).toEqual([
      { chars: 13, streaming: true, lexedChars: 13, blockRenders: 2, appended: false },
      { chars: 19, streaming: true, lexedChars: 0, blockRenders: 0, appended: true },
      { chars: 24, streaming: true, lexedChars: 15, blockRenders: 2, appended: false },
      { chars: 24, streaming: false, lexedChars: 3, blockRenders: 1, appended: false }, // only the last block, '- a'
    ]);
    const total = entries().reduce((sum, entry) => sum + entry.duration, 0);
    expect(total).toBeCloseTo(renderer.stats.ms, 6);
    const lexing = entries().reduce((sum, entry) => sum + (entry.detail as MarkdownUpdateDetail).lexMs, 0);
    expect(lexing).toBeCloseTo(renderer.stats.lexMs, 6);
    expect(lexing).toBeLessThanOrEqual(total);
  });
});
