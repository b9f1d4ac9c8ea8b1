import { app, dialog, type BrowserWindow } from 'electron';
import path from 'node:path';
import type { MethodParams } from '../common/schemas';

/** The native open dialog, attached to `parent` when there is a window: the chosen file, or `null` when cancelled. */
async function chooseFileToOpen(parent: BrowserWindow | undefined, options: Electron.OpenDialogOptions): Promise<string | null> {
  const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
  return result.canceled ? null : (result.filePaths[0] ?? null);
}

/** The native open dialog for `models.chooseFile`: one `.gguf` file, or `null` when the user cancels. */
export function chooseModelFile(parent: BrowserWindow | undefined): Promise<string | null> {
  return chooseFileToOpen(parent, {
    title: 'Choose a model file',
    properties: ['openFile'],
    filters: [{ name: 'GGUF models', extensions: ['gguf'] }],
  });
}

/** What each export format is called in the save dialog, and its extension. */
const HISTORY_FILTERS = {
  json: { name: 'Phi Desk export (JSON)', extensions: ['json'] },
  markdown: { name: 'Markdown', extensions: ['md'] },
  html: { name: 'Web page (HTML)', extensions: ['html'] },
  zip: { name: 'Zip archive', extensions: ['zip'] },
} as const;

/**
 * The native dialog for `history.choosePath`: a save dialog for an export (of `format`, in Documents by default; it
 * asks before replacing a file), an open dialog for an import (several files may be chosen: ChatGPT splits its
 * export). The chosen path(s), or `null` when the user cancels.
 */
export async function chooseHistoryPath(
  parent: BrowserWindow | undefined,
  request: MethodParams['history.choosePath'],
): Promise<string | string[] | null> {
  if (request.purpose === 'import') {
    const options: Electron.OpenDialogOptions = {
      title: 'Import conversations',
      properties: ['openFile', 'multiSelections'],
      filters: [
        { name: 'Phi Desk or ChatGPT export', extensions: ['json', 'zip'] },
        { name: 'All files', extensions: ['*'] },
      ],
    };
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths;
  }
  const filter = HISTORY_FILTERS[request.format ?? 'json'];
  const name = request.suggestedName ?? `phi-desk-history.${filter.extensions[0]}`;
  const options: Electron.SaveDialogOptions = {
    title: 'Export conversations',
    defaultPath: path.join(app.getPath('documents'), name),
    filters: [{ name: filter.name, extensions: [...filter.extensions] }],
    properties: ['showOverwriteConfirmation', 'createDirectory'],
  };
  const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}
