import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fromRandomAccessReaderPromise, RandomAccessReader, type ZipFile } from 'yauzl';
import { RpcError } from '../../../common/contract';
import { FileOpenError, openRegularFile } from '../../files/regular-file';

/**
 * The files an import reads, each a stream of bytes that can be opened more than once (a look at its start to tell
 * what it is, then the import). A zip holds several: ChatGPT's export (its `conversations.json`, or the split
 * `conversations-000.json`…, and pictures and pages that are not read), or Phi Desk's JSON files (an export with one
 * file per conversation). Every file is opened as a regular file only (`regular-file.ts`: a named pipe or a device is
 * refused at once) and held open until {@link ImportFiles.close}.
 */
export interface ImportSource {
  /** How the user knows it: the path, `the upload name`, or `archive.zip › conversations.json`. */
  label: string;
  /** Its size in bytes (uncompressed, for a zip entry): the progress total. */
  size: number;
  /** The name that says what it may be (`conversations-003.json`): the entry's or file's base name. */
  name: string;
  /** A fresh stream of its bytes, from the start. */
  open(): Promise<AsyncIterable<Buffer>>;
}

/** A file the user named, and how to call it in messages (an upload's own name rather than where it was staged). */
export interface ImportFileRef {
  path: string;
  label?: string;
}

/** The sources of a set of files, and their open handles. */
export interface ImportFiles {
  sources: ImportSource[];
  /** Close every file and zip. Idempotent. */
  close(): Promise<void>;
}

/** ChatGPT's conversations, whole or split (`conversations-000.json`, `-001`…), anywhere in its zip. */
const CHATGPT_ENTRY = /(^|\/)conversations(-\d+)?\.json$/i;
/** A zip starts with a local file header (or, empty, with the end of its central directory). */
const ZIP_MAGIC = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];
const READ_CHUNK = 256 * 1024;

/**
 * Open `files`: each plain file is a source; each zip gives its ChatGPT conversation files, or else all its `.json`
 * files (which the caller then checks are Phi Desk exports). Split ChatGPT files are read in name order.
 * @throws RpcError `BAD_REQUEST` naming the file (`details.reason`: `NOT_FOUND` for a missing or special file,
 * `NOT_AN_EXPORT` for a zip without any JSON, `INVALID` for a damaged zip); nothing stays open then.
 */
export async function openImportFiles(files: readonly ImportFileRef[]): Promise<ImportFiles> {
  const handles: FileHandle[] = [];
  const zips: ZipFile[] = [];
  const sources: ImportSource[] = [];
  const close = async (): Promise<void> => {
    for (const zip of zips.splice(0)) zip.close();
    await Promise.all(handles.splice(0).map((handle) => handle.close().catch(() => undefined)));
  };
  try {
    for (const file of files) {
      const label = file.label ?? file.path;
      let opened;
      try {
        opened = await openRegularFile(file.path);
      } catch (error) {
        throw openFailure(label, error);
      }
      handles.push(opened.handle);
      const { handle, stats } = opened;
      if (await isZip(handle)) {
        const zip = await fromRandomAccessReaderPromise(new HandleReader(handle), stats.size, {
          lazyEntries: true,
          autoClose: false,
          strictFileNames: false,
        }).catch(
          (error: unknown) => {
            throw refuse(`${label} is not a zip that can be read (${(error as Error).message}).`, 'INVALID');
          },
        );
        zips.push(zip);
        sources.push(...(await zipSources(zip, label)));
      } else {
        sources.push({
          label,
          size: stats.size,
          name: path.basename(file.label ?? file.path),
          open: async () => readChunks(handle),
        });
      }
    }
    return { sources: orderSplitFiles(sources), close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function zipSources(zip: ZipFile, label: string): Promise<ImportSource[]> {
  const json: ImportSource[] = [];
  for await (const entry of zip.eachEntry()) {
    const name = entry.fileName;
    if (name.endsWith('/') || !name.toLowerCase().endsWith('.json') || name.startsWith('__MACOSX/')) continue;
    json.push({
      label: `${label} › ${name}`,
      size: entry.uncompressedSize,
      name,
      open: () => zip.openReadStreamPromise(entry),
    });
  }
  const chatgpt = json.filter((source) => CHATGPT_ENTRY.test(source.name));
  if (chatgpt.length > 0) return chatgpt;
  if (json.length === 0) {
    throw refuse(`${label} holds no conversations.json (a ChatGPT export) and no Phi Desk export.`, 'NOT_AN_EXPORT');
  }
  return json;
}

/** `conversations-002.json` after `-001`, whatever order they were given in; other files keep their order. */
function orderSplitFiles(sources: ImportSource[]): ImportSource[] {
  const split = (source: ImportSource): number | null => {
    const match = /conversations-(\d+)\.json$/i.exec(source.name);
    return match ? Number(match[1]) : null;
  };
  const splitOnes = sources.filter((source) => split(source) !== null).sort((a, b) => split(a)! - split(b)!);
  let next = 0;
  return sources.map((source) => (split(source) === null ? source : splitOnes[next++]!));
}

/**
 * The file's bytes from the start, a chunk at a time, by positional reads on the handle held open: a file stream
 * would close the handle when the reader stops early (after a look at the start), and the file is read again.
 */
async function* readChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  let position = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield bytesRead === READ_CHUNK ? buffer : buffer.subarray(0, bytesRead);
  }
}

/**
 * The zip's bytes read through the handle this module owns and closes. Not yauzl's `fromFd`: its reader closes the
 * bare descriptor itself (`fs.close(fd)`) when the zip is closed or its last entry stream ends, whatever `autoClose`
 * says, so the descriptor was closed twice — once there and once by `handle.close()`. Whichever came second either
 * failed (`EBADF`, thrown from yauzl's reader with no one listening: it took a test run down) or, if the number had
 * been handed out again in between (an entry stream still open when an import is cancelled), closed another file:
 * the database's, say. This reader never closes anything; `close()` is yauzl's no-op.
 */
class HandleReader extends RandomAccessReader {
  constructor(private readonly handle: FileHandle) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const handle = this.handle;
    let position = start;
    return new Readable({
      highWaterMark: READ_CHUNK,
      read(this: Readable, size: number): void {
        const wanted = Math.min(size, READ_CHUNK, end - position);
        if (wanted <= 0) {
          this.push(null);
          return;
        }
        const buffer = Buffer.allocUnsafe(wanted);
        handle.read(buffer, 0, wanted, position).then(
          ({ bytesRead }) => {
            if (bytesRead === 0) {
              this.destroy(new Error('The zip file ended early: it changed while it was being read.'));
              return;
            }
            position += bytesRead;
            this.push(bytesRead === wanted ? buffer : buffer.subarray(0, bytesRead));
          },
          (error: unknown) => this.destroy(error as Error),
        );
      },
    });
  }
}

async function isZip(handle: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(4);
  const { bytesRead } = await handle.read(head, 0, 4, 0);
  return bytesRead === 4 && ZIP_MAGIC.some((magic) => head.equals(magic));
}

function openFailure(label: string, error: unknown): RpcError {
  if (!(error instanceof FileOpenError)) return refuse(`${label} could not be read (${(error as Error).message}).`, 'NOT_FOUND');
  switch (error.problem) {
    case 'NOT_REGULAR':
      if (error.facts.kind === 'a folder') return refuse(`${label} is a folder; choose an export file.`, 'NOT_FOUND');
      return refuse(`${error.message} Choose an export file.`, 'NOT_FOUND');
    case 'NOT_FOUND':
      return refuse(`There is no file at ${label}.`, 'NOT_FOUND');
    default:
      return refuse(error.message, 'NOT_FOUND');
  }
}

export function refuse(message: string, reason: string, issues?: string[]): RpcError {
  return new RpcError('BAD_REQUEST', message, issues ? { reason, issues } : { reason });
}
