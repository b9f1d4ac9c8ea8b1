import type { MethodParams } from '../../common/schemas';
import type { Draft } from '../../common/types';
import type { DraftStore, StoredDraft } from '../store/draft-store';

/** `drafts.get` and `drafts.save`: the composer's unsent text per conversation, kept in the store. */
export class DraftService {
  constructor(private readonly store: DraftStore) {}

  get({ conversationId }: MethodParams['drafts.get']): Draft {
    return toDraft(conversationId, this.store.get(conversationId));
  }

  save({ conversationId, text, fullLength }: MethodParams['drafts.save']): Draft {
    return toDraft(conversationId, this.store.save(conversationId, text, fullLength ?? null));
  }
}

function toDraft(conversationId: string | null, stored: StoredDraft | null): Draft {
  return stored ?? { conversationId, text: '', fullLength: null, savedAt: null };
}
