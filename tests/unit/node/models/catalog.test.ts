import { describe, expect, it } from 'vitest';
import {
  PHI2_CATALOG,
  defaultCatalogEntry,
  findCatalogEntry,
  resolveUrl,
} from '../../../../src-main/node/models';

describe('the Phi-2 catalog', () => {
  it('offers the twelve quantizations of TheBloke/phi-2-GGUF, smallest first', () => {
    expect(PHI2_CATALOG.map((entry) => entry.quantization)).toEqual([
      'Q2_K', 'Q3_K_S', 'Q3_K_M', 'Q3_K_L', 'Q4_0', 'Q4_K_S', 'Q4_K_M', 'Q5_0', 'Q5_K_S', 'Q5_K_M', 'Q6_K', 'Q8_0',
    ]); // prettier-ignore
    for (const entry of PHI2_CATALOG) {
      expect(entry).toMatchObject({ repo: 'TheBloke/phi-2-GGUF', revision: 'main', id: entry.file });
      expect(entry.file).toBe(`phi-2.${entry.quantization}.gguf`);
      expect(entry.sizeLabel).toMatch(/^\d\.\d\d GB$/);
      if (entry.sha256 !== null) expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
      if (entry.sizeBytes !== null) expect(entry.sizeLabel).toBe(`${(entry.sizeBytes / 1e9).toFixed(2)} GB`);
    }
    expect(new Set(PHI2_CATALOG.map((entry) => entry.sha256).filter(Boolean)).size).toBe(11); // all but Q5_K_S
  });

  it('recommends Q4_K_M, 1.79 GB, pinned to its published size and hash', () => {
    expect(PHI2_CATALOG.filter((entry) => entry.recommended)).toHaveLength(1);
    expect(defaultCatalogEntry()).toMatchObject({
      file: 'phi-2.Q4_K_M.gguf',
      sizeBytes: 1_789_239_136,
      sizeLabel: '1.79 GB',
      sha256: '324356668fa5ba9f4135de348447bb2bbe2467eaa1b8fcfb53719de62fbd2499',
    });
    expect(findCatalogEntry('phi-2.Q8_0.gguf')?.sizeBytes).toBe(2_958_032_736);
    expect(findCatalogEntry('nope.gguf')).toBeUndefined();
  });

  it('builds Hugging Face resolve URLs', () => {
    expect(resolveUrl(defaultCatalogEntry())).toBe(
      'https://huggingface.co/TheBloke/phi-2-GGUF/resolve/main/phi-2.Q4_K_M.gguf',
    );
    expect(resolveUrl({ repo: 'a/b', revision: 'main', file: 'x y.gguf' }, 'http://127.0.0.1:9/')).toBe(
      'http://127.0.0.1:9/a/b/resolve/main/x%20y.gguf',
    );
  });

  it('is frozen: nobody can change a pinned hash at run time', () => {
    expect(Object.isFrozen(PHI2_CATALOG)).toBe(true);
    expect(Object.isFrozen(PHI2_CATALOG[0])).toBe(true);
  });
});
