import { describe, expect, it } from 'vitest';
import { RpcError } from '../../../../src-main/common/contract';
import { EngineError } from '../../../../src-main/node/engine/port';
import { toRpcError } from '../../../../src-main/node/services/rpc-errors';
import { StoreError, type StoreErrorCode } from '../../../../src-main/node/store/store-error';

describe('toRpcError', () => {
  it.each<[StoreErrorCode, string]>([
    ['NOT_FOUND', 'NOT_FOUND'],
    ['INVALID_INPUT', 'BAD_REQUEST'],
    ['TOO_LARGE', 'BAD_REQUEST'],
    ['DB_LOCKED', 'STORE_FAILED'],
    ['DB_CORRUPT', 'STORE_FAILED'],
    ['DB_FULL', 'STORE_FAILED'],
    ['DB_CLOSED', 'STORE_FAILED'],
  ])('store %s becomes %s', (storeCode, code) => {
    const mapped = toRpcError(new StoreError(storeCode, `details of ${storeCode}`));
    expect(mapped).toBeInstanceOf(RpcError);
    expect(mapped).toMatchObject({ code });
    expect((mapped as Error).message).toContain(`details of ${storeCode}`);
  });

  it('says what to do about a locked or damaged database, in words', () => {
    expect((toRpcError(new StoreError('DB_LOCKED', 'x')) as Error).message).toMatch(/in use by another program/);
    expect((toRpcError(new StoreError('DB_CORRUPT', 'x')) as Error).message).toMatch(/damaged/);
    expect(toRpcError(new StoreError('DB_FULL', 'x'))).toMatchObject({ details: { storeCode: 'DB_FULL' } });
  });

  it('maps engine codes and passes everything else through', () => {
    expect(toRpcError(new EngineError('CONTEXT_OVERFLOW', 'too long'))).toMatchObject({ code: 'CONTEXT_OVERFLOW' });
    expect(toRpcError(new EngineError('NO_MODEL', 'none'))).toMatchObject({ code: 'NO_MODEL' });
    expect(toRpcError(new EngineError('GENERATION_FAILED', 'boom'))).toMatchObject({ code: 'ENGINE_FAILED' });
    const bug = new TypeError('x is undefined');
    expect(toRpcError(bug)).toBe(bug);
  });
});
