import * as v from 'valibot';
import { RpcError } from '../../common/contract';
import { formatBytes } from '../../common/byte-format';
import { describeIssues } from '../../common/issues';
import { FileOpenError, readRegularFile } from '../files/regular-file';
import {
  EXPORT_VERSION,
  ExportFileSchema,
  ExportHeaderSchema,
  treeProblem,
  type ExportFile,
} from '../store/history-schema';

/** The largest file `history.import` reads (the whole file is parsed at once; V8 strings stop near 512 MB). */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

/** How many schema issues a refusal lists. */
const ISSUES_SHOWN = 3;

/**
 * Read and check a whole export file before anything is imported: size, JSON, format and version, the schema
 * (every field, type and length limit) and every conversation's tree.
 * @throws RpcError `BAD_REQUEST` with a sentence naming the file and what is wrong (`details.reason`: `NOT_FOUND`,
 * `TOO_LARGE`, `NOT_JSON`, `NOT_AN_EXPORT`, `VERSION`, `INVALID`).
 */
export async function readExportFile(path: string, maxBytes = MAX_IMPORT_BYTES): Promise<ExportFile> {
  let text: string;
  try {
    // A regular file only (a named pipe would block the read for ever), and never more than `maxBytes` of it: the
    // size a file claims is not trusted (`/dev/zero` claims 0 bytes).
    text = (await readRegularFile(path, maxBytes)).toString('utf8');
  } catch (error) {
    throw readFailure(path, error, maxBytes);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw refuse(`${path} is not valid JSON — it may be cut short or not an export (${(error as Error).message}).`, 'NOT_JSON');
  }
  const header = v.safeParse(ExportHeaderSchema, data);
  if (!header.success) {
    throw refuse(`${path} is not a Phi Desk export (it has no "format": "phi-desk-export" and version).`, 'NOT_AN_EXPORT');
  }
  if (header.output.version !== EXPORT_VERSION) {
    throw refuse(
      `${path} is a version ${header.output.version} export; this Phi Desk reads version ${EXPORT_VERSION}.` +
        (header.output.version > EXPORT_VERSION ? ' Update Phi Desk to import it.' : ''),
      'VERSION',
    );
  }
  const parsed = v.safeParse(ExportFileSchema, data);
  if (!parsed.success) {
    const issues = describeIssues(parsed.issues, ISSUES_SHOWN);
    throw refuse(`${path} is not a valid Phi Desk export: ${issues.join('; ')}.`, 'INVALID', issues);
  }
  parsed.output.conversations.forEach((conversation, index) => {
    const problem = treeProblem(conversation);
    if (problem) {
      throw refuse(`${path} is not a valid Phi Desk export: conversations.${index} ("${conversation.title}"): ${problem}.`, 'INVALID');
    }
  });
  return parsed.output;
}

/** A file that could not be read, in words: `reason` `TOO_LARGE` for one past the cap, `NOT_FOUND` otherwise. */
function readFailure(path: string, error: unknown, maxBytes: number): RpcError {
  if (!(error instanceof FileOpenError)) {
    return refuse(`${path} could not be read (${(error as Error).message}).`, 'NOT_FOUND');
  }
  switch (error.problem) {
    case 'TOO_LARGE': {
      const size = error.facts.bytes === undefined ? `larger than ${formatBytes(maxBytes)}` : formatBytes(error.facts.bytes);
      return refuse(`${path} is ${size}; Phi Desk imports files up to ${formatBytes(maxBytes)}.`, 'TOO_LARGE');
    }
    case 'NOT_REGULAR':
      if (error.facts.kind === 'a folder') return refuse(`${path} is a folder; choose an export file.`, 'NOT_FOUND');
      return refuse(`${error.message} Choose an export file.`, 'NOT_FOUND');
    case 'NOT_FOUND':
      return refuse(`There is no file at ${path}.`, 'NOT_FOUND');
    case 'UNREADABLE':
      return refuse(error.message, 'NOT_FOUND');
  }
}

function refuse(message: string, reason: string, issues?: string[]): RpcError {
  return new RpcError('BAD_REQUEST', message, issues ? { reason, issues } : { reason });
}

