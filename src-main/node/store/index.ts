/**
 * The store's public surface, for the composition root and services. Everything else in this folder is an
 * implementation detail (SQL, row mapping, migration steps).
 */
export { openStore } from './open-store';
export type { OpenCheck, OpenReport, OpenStoreOptions, RecoveryReport, Store } from './open-store';
export { ConversationStore, DEFAULT_CONVERSATION_TITLE } from './conversation-store';
export type { MessageOutcome, NewConversation, NewMessage, NewSibling } from './conversation-store';
export { MessageTree, MAX_PAGE_SIZE } from './message-tree';
export type { SubtreeDeletion } from './message-tree';
export { MessageSearch, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, RANKED_CANDIDATES } from './message-search';
export type { SearchResults } from './message-search';
export { SettingsStore } from './settings-store';
export { DraftStore, type StoredDraft } from './draft-store';
export * from './settings-schemas';
export { ReplyWriter } from './reply-writer';
export type { ReplyWriterOptions } from './reply-writer';
export { backupFolderFor, listBackups, restoreBackup, checkBackup, DEFAULT_BACKUPS_TO_KEEP } from './backups';
export type { BackupCheck, BackupInfo, BackupReason, RestoreReport } from './backups';
export { TEXT_LIMITS } from './input-limits';
export { StoreError, isStoreError } from './store-error';
export type { StoreErrorCode } from './store-error';
export type * from './store-types';
