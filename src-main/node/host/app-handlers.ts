import type { MethodName } from '../../common/contract';
import type { Handler, Handlers } from '../../common/app-rpc';
import type { AppInfo, StartupState } from '../../common/types';
import type { ChatEngine } from '../engine/port';
import type { RemoteServers } from '../engine/remote/remote-servers';
import type { LocalApiService } from '../openai/local-api-service';
import type { ChatService } from '../services/chat-service';
import type { ConversationService } from '../services/conversation-service';
import type { DraftService } from '../services/draft-service';
import type { HistoryService } from '../services/history-service';
import type { ModelService } from '../services/model-service';
import type { NoticeBoard } from '../services/notice-board';
import { toRpcError } from '../services/rpc-errors';
import type { SettingsService } from '../services/settings-service';
import type { WindowService } from '../services/window-service';

/** The services every contract method is served by. */
export interface AppServices {
  info: AppInfo;
  /** Where the start stands (ready, once the services exist; the check may still run in the background). */
  startup: () => StartupState;
  engine: ChatEngine;
  notices: NoticeBoard;
  settings: SettingsService;
  conversations: ConversationService;
  chat: ChatService;
  models: ModelService;
  /** Export and import of conversation history. */
  history: HistoryService;
  /** The composer's unsent text per conversation. */
  drafts: DraftService;
  /** The quick prompt's and the chat window's host (issue 10). */
  windows: WindowService;
  /** The OpenAI-compatible local API (issue 15). */
  localApi: LocalApiService;
  /** Remote OpenAI-compatible servers (issue 15). */
  remotes: RemoteServers;
}

/**
 * Every contract method mapped to its service (params are already schema-checked by the RPC layer), with engine and
 * store failures turned into the contract's typed errors.
 */
export function appHandlers(services: AppServices): Handlers {
  const { conversations, chat, settings, notices, engine, info, models, history, drafts, windows, localApi, remotes, startup } = services;
  return withContractErrors({
    'app.getInfo': () => info,
    'app.getStartup': () => startup(),
    'engine.getStatus': () => engine.status(),
    'app.getNotices': () => notices.list(),
    'app.dismissNotice': ({ id }) => notices.dismiss(id),
    'settings.get': () => settings.get(),
    'settings.update': (params) => {
      if (params.patch.defaultEngine !== undefined) remotes.requireKnown(params.patch.defaultEngine);
      return settings.update(params);
    },
    'conversations.list': (params) => conversations.list(params),
    'conversations.listPage': (params) => conversations.listPage(params),
    'conversations.create': (params) => conversations.create(params),
    'conversations.get': (params) => conversations.get(params),
    'conversations.rename': (params) => conversations.rename(params),
    'conversations.delete': (params) => conversations.delete(params),
    'conversations.restore': (params) => conversations.restore(params),
    'conversations.update': (params) => conversations.update(params),
    'messages.page': (params) => conversations.page(params),
    'messages.switchBranch': (params) => conversations.switchBranch(params),
    'messages.deleteSubtree': (params) => conversations.deleteSubtree(params),
    'search.query': (params) => conversations.search(params),
    'search.reveal': (params) => conversations.reveal(params),
    'models.getState': () => models.state(),
    'models.download': ({ file }) => models.download(file),
    'models.pauseDownload': ({ id }) => models.pauseDownload(id),
    'models.resumeDownload': ({ id }) => models.resumeDownload(id),
    'models.cancelDownload': ({ id }) => models.cancelDownload(id),
    'models.useFile': ({ path }) => models.useFile(path),
    'models.chooseFile': () => models.chooseFile(),
    'history.export': (params, context) => history.export(params, context),
    'history.import': (params, context) => history.import(params, context),
    'history.choosePath': (params) => history.choosePath(params),
    'chat.prepare': (params) => chat.prepare(params),
    'chat.measure': (params) => chat.measure(params),
    'chat.send': (params, context) => chat.send(params, context),
    'chat.edit': (params, context) => chat.edit(params, context),
    'chat.regenerate': (params, context) => chat.regenerate(params, context),
    'drafts.get': (params) => drafts.get(params),
    'drafts.save': (params) => drafts.save(params),
    'windows.showConversation': (params) => windows.showConversation(params),
    'quick.getStatus': () => windows.status(),
    'quick.hide': () => windows.hide(),
    'quick.resize': (params) => windows.resize(params),
    'quick.readClipboard': () => windows.readClipboard(),
    'api.getStatus': () => localApi.status(),
    'api.regenerateKey': () => localApi.regenerateKey(),
    'remote.probe': (params) => remotes.probe(params),
    'remote.save': (params) => remotes.save(params),
    'remote.remove': (params) => remotes.remove(params),
  });
}

/** Wrap every handler so engine and store failures cross the wire as the contract's typed errors. */
function withContractErrors(handlers: Handlers): Handlers {
  const wrapped: Record<string, Handler<MethodName>> = {};
  for (const [name, handler] of Object.entries(handlers) as [MethodName, Handler<MethodName>][]) {
    wrapped[name] = async (params, context) => {
      try {
        return await handler(params, context);
      } catch (error) {
        throw toRpcError(error);
      }
    };
  }
  return wrapped as Handlers;
}
