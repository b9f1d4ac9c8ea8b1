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

/**
 * The native dialog for `history.choosePath`: a save dialog for an export (JSON or Markdown, in Documents by
 * default; it asks before replacing a file), an open dialog for an import. `null` when the user cancels.
 */
export async function chooseHistoryPath(
  parent: BrowserWindow | undefined,
  request: MethodParams['history.choosePath'],
): Promise<string | null> {
  const markdown = request.format === 'markdown';
  const filters = markdown
    ? [{ name: 'Markdown', extensions: ['md'] }]
    : [{ name: 'Phi Desk export (JSON)', extensions: ['json'] }];
  if (request.purpose === 'import') {
    return chooseFileToOpen(parent, { title: 'Import conversations', properties: ['openFile'], filters });
  }
  const name = request.suggestedName ?? (markdown ? 'conversation.md' : 'phi-desk-history.json');
  const options: Electron.SaveDialogOptions = {
    title: markdown ? 'Export conversation as Markdown' : 'Export conversations',
    defaultPath: path.join(app.getPath('documents'), name),
    filters,
    properties: ['showOverwriteConfirmation', 'createDirectory'],
  };
  const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}
