/**
 * Commands the desktop app's menu sends to the chat window (`onMenuCommand`). Each is something a button or a key in
 * the window already does; the window runs the same code for the menu item as for the button, so the two cannot
 * drift apart.
 */
export const APP_COMMANDS = ['newChat', 'focusSearch', 'showShortcuts', 'openSettings', 'exportHistory'] as const;

/** A command of the application menu, run by the chat window. */
export type AppCommand = (typeof APP_COMMANDS)[number];
