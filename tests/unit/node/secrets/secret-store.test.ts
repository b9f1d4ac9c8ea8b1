import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSecretStore, SecretStoreError, type StringEncryptor } from '../../../../src-main/node/secrets/secret-store';

// The API keys' store: a file only the user can read, holding ciphertext where the system encrypts (Electron's
// safeStorage in the desktop app, a fake here: Electron cannot run in these tests).

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
function secretsFile(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'phi-secrets-'));
  folders.push(folder);
  return path.join(folder, 'secrets.json');
}

/** A stand-in for safeStorage: reversible, but nothing like the plain text, and bound to its "system key". */
function fakeSafeStorage(systemKey = 7, available = true): StringEncryptor {
  const shift = (text: string, by: number): string => String.fromCharCode(...[...text].map((c) => c.charCodeAt(0) + by));
  return {
    isEncryptionAvailable: () => available,
    encryptString: (plain) => Buffer.from(`v${systemKey}:${shift(plain, systemKey)}`),
    decryptString: (encrypted) => {
      const [tag, body] = encrypted.toString().split(/:(.*)/s);
      if (tag !== `v${systemKey}`) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return shift(body ?? '', -systemKey);
    },
  };
}

describe('FileSecretStore', () => {
  it.skipIf(process.platform === 'win32')('keeps secrets in a file readable and writable by the user only (0600)', () => {
    const file = secretsFile();
    const store = new FileSecretStore(file);
    expect(store.get('remote-key:a')).toBeNull();
    store.set('remote-key:a', 'sk-first');
    store.set('local-api-key', 'phd-second');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(store.get('remote-key:a')).toBe('sk-first');
    expect(new FileSecretStore(file).get('local-api-key')).toBe('phd-second'); // survives a restart
    store.delete('remote-key:a');
    expect(store.get('remote-key:a')).toBeNull();
    expect(store.get('local-api-key')).toBe('phd-second');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(store.protection).toBe('a file in the data folder only you can read');
  });

  it('with the system’s encryption, writes only ciphertext, and reads it back', () => {
    const file = secretsFile();
    const store = new FileSecretStore(file, { encryptor: fakeSafeStorage() });
    store.set('remote-key:a', 'sk-very-secret');
    expect(readFileSync(file, 'utf8')).not.toContain('sk-very-secret');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1, secrets: { 'remote-key:a': { kind: 'safeStorage' } } });
    expect(store.get('remote-key:a')).toBe('sk-very-secret');
    expect(store.protection).toBe('the system’s secret storage');
  });

  it('falls back to the protected file where the system has no encryption, and still reads what it wrote before', () => {
    const file = secretsFile();
    new FileSecretStore(file, { encryptor: fakeSafeStorage() }).set('encrypted', 'sk-one');
    const noKeyring = new FileSecretStore(file, { encryptor: fakeSafeStorage(7, false) });
    noKeyring.set('plain', 'sk-two');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ secrets: { plain: { kind: 'plain', data: 'sk-two' } } });
    expect(noKeyring.get('encrypted')).toBe('sk-one'); // decrypting still works where encrypting is refused
  });

  it('treats a key it can no longer decrypt, and a damaged file, as no key (asked for again), never a crash', () => {
    const file = secretsFile();
    new FileSecretStore(file, { encryptor: fakeSafeStorage(7) }).set('remote-key:a', 'sk-x');
    expect(new FileSecretStore(file, { encryptor: fakeSafeStorage(8) }).get('remote-key:a')).toBeNull();
    writeFileSync(file, '{ not json');
    const store = new FileSecretStore(file);
    expect(store.get('remote-key:a')).toBeNull();
    store.set('remote-key:b', 'sk-y'); // the damaged file is replaced whole
    expect(store.get('remote-key:b')).toBe('sk-y');
  });

  it('says in words when the file cannot be written, and leaves no temp file', () => {
    const file = path.join(secretsFile(), 'missing-folder', 'secrets.json');
    const store = new FileSecretStore(file);
    expect(() => store.set('a', 'b')).toThrow(SecretStoreError);
    expect(() => store.set('a', 'b')).toThrow(/^Could not save the key in .*secrets\.json: /);
  });
});
