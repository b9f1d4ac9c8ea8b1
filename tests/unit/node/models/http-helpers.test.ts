import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../../src-main/common/byte-format';
import { parseSha256 } from '../../../../src-main/node/models/remote-file-info';
import { parseContentRange } from '../../../../src-main/node/models/transfer';
import { checkUrl } from '../../../../src-main/node/models/url-policy';

const SHA = '324356668fa5ba9f4135de348447bb2bbe2467eaa1b8fcfb53719de62fbd2499';

describe('checkUrl', () => {
  const strict = { allowLoopbackHttp: false };
  const tests = { allowLoopbackHttp: true };

  it('accepts HTTPS and resolves relative redirects against the previous hop', () => {
    expect(checkUrl('https://huggingface.co/a', strict).href).toBe('https://huggingface.co/a');
    expect(checkUrl('/b', strict, new URL('https://huggingface.co/a')).href).toBe('https://huggingface.co/b');
  });

  it('refuses plain HTTP, except to loopback when explicitly allowed', () => {
    expect(() => checkUrl('http://huggingface.co/a', strict)).toThrow(/only HTTPS/);
    expect(() => checkUrl('http://127.0.0.1:8/a', strict)).toThrow(/only HTTPS/);
    expect(checkUrl('http://127.0.0.1:8/a', tests).host).toBe('127.0.0.1:8');
    expect(checkUrl('http://[::1]:8/a', tests).hostname).toBe('[::1]');
    expect(() => checkUrl('http://example.com/a', tests)).toThrow(/only HTTPS/);
    expect(() => checkUrl('http://127.0.0.1.evil.example/a', tests)).toThrow(/only HTTPS/);
  });

  it('refuses other schemes, credentials and garbage', () => {
    expect(() => checkUrl('file:///etc/passwd', tests)).toThrow(/only HTTPS/);
    expect(() => checkUrl('https://user:pw@huggingface.co/a', strict)).toThrow(/credentials/);
    expect(() => checkUrl('not a url', strict)).toThrow(/Not a valid/);
  });
});

describe('parseSha256', () => {
  it('reads the quoted SHA-256 of x-linked-etag, weak or not, in any case', () => {
    expect(parseSha256(`"${SHA}"`)).toBe(SHA);
    expect(parseSha256(`W/"${SHA.toUpperCase()}"`)).toBe(SHA);
    expect(parseSha256(SHA)).toBe(SHA);
  });

  it('ignores ETags that are not SHA-256 (a git blob id, a CDN tag)', () => {
    expect(parseSha256('"a7d2c1f2e3b4a5968778695a4b3c2d1e0f9a8b7c"')).toBeNull();
    expect(parseSha256('"abc-123"')).toBeNull();
    expect(parseSha256(null)).toBeNull();
  });
});

describe('parseContentRange', () => {
  it('reads start and total', () => {
    expect(parseContentRange('bytes 100-199/1000')).toEqual({ start: 100, total: 1000 });
    expect(parseContentRange('bytes 0-9/*')).toEqual({ start: 0, total: null });
    expect(parseContentRange('items 1-2/3')).toBeNull();
    expect(parseContentRange(null)).toBeNull();
  });
});

describe('formatBytes', () => {
  it('uses the decimal units Hugging Face shows', () => {
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(1)).toBe('1 byte');
    expect(formatBytes(600_320)).toBe('600 kB');
    expect(formatBytes(1_789_239_136)).toBe('1.79 GB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(Number.NaN)).toBe('0 bytes');
  });
});
