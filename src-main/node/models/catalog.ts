/**
 * The models Phi Desk offers to download: Microsoft's Phi-2 as quantized by TheBloke (`TheBloke/phi-2-GGUF`).
 *
 * Every byte size and SHA-256 below was read from the repository's own commit pages on Hugging Face, where each
 * quantization was added as a Git LFS pointer (`oid sha256:…`, `size …`), all made with llama.cpp commit 0e18b2e:
 * https://huggingface.co/TheBloke/phi-2-GGUF/commit/<commit> for the commit named on each entry. Two values could
 * not be found there and are left `null` rather than guessed; the downloader then takes them from the Hub at
 * download time (the `x-linked-etag` / `x-linked-size` headers of a HEAD on the resolve URL):
 * - Q4_0: hash from its "Git LFS Details" blob page (last change 51fe2d1); exact size not found.
 * - Q5_K_M: hash from its blob page on `main` (last change 8ab836d); exact size not found.
 * - Q5_K_S: neither found.
 * A pinned hash is a promise about the bytes: if the Hub ever reports a different one, the download is refused.
 */

/** Quantizations TheBloke published for Phi-2, smallest first. */
export type Phi2Quantization =
  | 'Q2_K'
  | 'Q3_K_S'
  | 'Q3_K_M'
  | 'Q3_K_L'
  | 'Q4_0'
  | 'Q4_K_S'
  | 'Q4_K_M'
  | 'Q5_0'
  | 'Q5_K_S'
  | 'Q5_K_M'
  | 'Q6_K'
  | 'Q8_0';

/** One downloadable model file. Plain data, so it can cross the contract to the renderer as is. */
export interface ModelCatalogEntry {
  /** Stable id, also the file name the model is saved under, e.g. `phi-2.Q4_K_M.gguf`. */
  id: string;
  /** Hugging Face repository, `owner/name`. */
  repo: string;
  /** Git revision to download from. */
  revision: string;
  /** File name inside the repository (and in the models folder). */
  file: string;
  quantization: Phi2Quantization;
  /** Exact size in bytes, when pinned. */
  sizeBytes: number | null;
  /** The size as Hugging Face lists it (decimal GB), for display when `sizeBytes` is not pinned. */
  sizeLabel: string;
  /** Lower-case hex SHA-256 of the whole file, when pinned. */
  sha256: string | null;
  /** One line for the chooser: TheBloke's description of the quality trade-off. */
  note: string;
  /** The recommended default. Exactly one entry has it. */
  recommended: boolean;
}

const REPO = 'TheBloke/phi-2-GGUF';

function entry(
  quantization: Phi2Quantization,
  sizeBytes: number | null,
  sizeLabel: string,
  sha256: string | null,
  note: string,
): ModelCatalogEntry {
  const file = `phi-2.${quantization}.gguf`;
  return {
    id: file,
    repo: REPO,
    revision: 'main',
    file,
    quantization,
    sizeBytes,
    sizeLabel,
    sha256,
    note,
    recommended: quantization === DEFAULT_QUANTIZATION,
  };
}

/** The quantization offered first: the best balance of size and quality for Phi-2. */
export const DEFAULT_QUANTIZATION: Phi2Quantization = 'Q4_K_M';

// prettier-ignore
/** Every Phi-2 file on offer, smallest first. The comment on each line names the commit its values come from. */
export const PHI2_CATALOG: readonly ModelCatalogEntry[] = Object.freeze([
  entry('Q2_K', 1173610336, '1.17 GB', 'af07a221ea51d3be7eabdc5fb9564a4c2af6cf8d6d277016ba2e86c5b4fef17f', 'smallest, significant quality loss'), // 3662c3e
  entry('Q3_K_S', 1250819936, '1.25 GB', 'a40dca0f4079c5fcd2e60804ff7b6c7bf2e0ac23f593c380c9e064a6cad3ccf1', 'very small, high quality loss'), // 9b57fb6
  entry('Q3_K_M', 1480195936, '1.48 GB', '94c9072e8c588b3c0f01c8536d3fba94c847d45318994f5dec08b2ca84e33d82', 'very small, high quality loss'), // 69203c1
  entry('Q3_K_L', 1604714336, '1.60 GB', 'ccad4299dccb291741abea7a76773c059285b51625e6401c1caf050c93495345', 'small, substantial quality loss'), // 8b33664
  entry('Q4_0', null, '1.60 GB', 'a6f246baa29a776acbc9a1638088c33d8f7b6a044cc7dd09fb4b0374e1582ae0', 'legacy; small, very high quality loss'), // 51fe2d1 (blob page)
  entry('Q4_K_S', 1615568736, '1.62 GB', '67df519f789817dee8c9b927227e7795ac07e1b20b58eb21fe109a2af328928a', 'small, greater quality loss'), // 34aac70
  entry('Q4_K_M', 1789239136, '1.79 GB', '324356668fa5ba9f4135de348447bb2bbe2467eaa1b8fcfb53719de62fbd2499', 'medium, balanced quality (recommended)'), // c8944b7
  entry('Q5_0', 1933418336, '1.93 GB', '93143aff6d8566aac56fa88720dd8099ff076efac065dcd3538ae61a61ddd335', 'legacy; medium, balanced quality'), // 2285afa
  entry('Q5_K_S', null, '1.93 GB', null, 'large, low quality loss'),
  entry('Q5_K_M', null, '2.07 GB', 'ce6bcc8fa75b467e1eb693bcc921fe366ceac14aa92ec3dc84da536c2289510a', 'large, very low quality loss'), // 8ab836d (blob page)
  entry('Q6_K', 2285059936, '2.29 GB', '9a654a17bee234d85b726bbdaec8e9a3365bbc187238998bc4f84c89afb046d6', 'very large, extremely low quality loss'), // 0de8e8b
  entry('Q8_0', 2958032736, '2.96 GB', '26a44c5a2bc22f33a1271cdf1accb689028141a6cb12e97671740a9803d23c63', 'very large, extremely low quality loss'), // f2b2231
].map((item) => Object.freeze(item)));

/** The recommended entry (`phi-2.Q4_K_M.gguf`). */
export function defaultCatalogEntry(): ModelCatalogEntry {
  const found = PHI2_CATALOG.find((item) => item.recommended);
  if (!found) throw new Error('The model catalog has no recommended entry.');
  return found;
}

/** The catalog entry with this id, or `undefined`. */
export function findCatalogEntry(id: string): ModelCatalogEntry | undefined {
  return PHI2_CATALOG.find((item) => item.id === id);
}

/** The public Hugging Face Hub. Tests point the downloader at a loopback server instead. */
export const HUGGING_FACE_HUB = 'https://huggingface.co';

/** `<hub>/<repo>/resolve/<revision>/<file>`: the URL Hugging Face serves (or redirects) a repository file from. */
export function resolveUrl(
  source: Pick<ModelCatalogEntry, 'repo' | 'revision' | 'file'>,
  hubBaseUrl: string = HUGGING_FACE_HUB,
): string {
  const base = hubBaseUrl.replace(/\/+$/, '');
  const repo = source.repo.split('/').map(encodeURIComponent).join('/');
  return `${base}/${repo}/resolve/${encodeURIComponent(source.revision)}/${encodeURIComponent(source.file)}`;
}

/** `<hub>/api/models/<repo>/tree/<revision>`: the file listing with each LFS file's size and SHA-256. */
export function treeApiUrl(
  source: Pick<ModelCatalogEntry, 'repo' | 'revision'>,
  hubBaseUrl: string = HUGGING_FACE_HUB,
): string {
  const base = hubBaseUrl.replace(/\/+$/, '');
  const repo = source.repo.split('/').map(encodeURIComponent).join('/');
  return `${base}/api/models/${repo}/tree/${encodeURIComponent(source.revision)}`;
}
