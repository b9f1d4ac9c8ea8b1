import { expect, vi } from 'vitest';
import type { LocalApiStatus } from '../../../../../src-main/common/types';
import type { Harness } from '../../host/compose-harness';

/** Turn the local API on over the contract, as the Settings dialog does, and wait until it runs. */
export async function enableLocalApi(harness: Harness): Promise<LocalApiStatus> {
  await harness.client.call('settings.update', { patch: { localApiEnabled: true } });
  await vi.waitFor(() => expect(harness.app.localApi.status().state).toBe('running'));
  return harness.client.call('api.getStatus', {});
}
