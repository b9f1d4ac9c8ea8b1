import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as v from 'valibot';

/**
 * Where the app keeps secrets: the API keys of remote servers and the local API's bearer key. Never in the database
 * (which is backed up, exported and salvaged) and never in the settings (which every window receives).
 */
export interface SecretStore {
  /** The secret, or `null` when none is stored (or it can no longer be read, e.g. the system's key changed). */
  get(name: string): string | null;
  /** Store (or replace) a secret. @throws SecretStoreError when it cannot be written. */
  set(name: string, value: string): void;
  /** Forget a secret (nothing happens when there is none). @throws SecretStoreError when it cannot be written. */
  delete(name: string): void;
  /** How secrets are protected, in words for the README and Settings ("system secret storage", "a file only you can read"). */
  readonly protection: string;
}

/**
 * The system's encryption of strings: Electron's `safeStorage` (Keychain on macOS, DPAPI on Windows, the Secret
 * Service or KWallet on Linux) in the desktop app; a fake in tests, since Electron cannot run here.
 */
export interface StringEncryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** A secret that could not be written, in words. */
export class SecretStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SecretStoreError';
  }
}

/** One stored secret: encrypted by the system (`safeStorage`, base64), or as it is (`plain`, the file's mode guards it). */
const Entry = v.variant('kind', [
  v.object({ kind: v.literal('safeStorage'), data: v.string() }),
  v.object({ kind: v.literal('plain'), data: v.string() }),
]);
const SecretsFile = v.object({ version: v.literal(1), secrets: v.record(v.string(), Entry) });
type SecretsFile = v.InferOutput<typeof SecretsFile>;

/**
 * Secrets in one JSON file in the data folder, created readable and writable by the user only (mode 0600; on Windows
 * the folder's own permissions apply). With an `encryptor` whose encryption is available (the desktop app), each
 * value is encrypted by the system and only that ciphertext is on disk; without one (the browser host), or where the
 * system offers none (a Linux desktop without a keyring), the value is kept as it is, protected by the file's mode.
 *
 * Every write replaces the file whole (a temp file renamed into place), so a crash leaves the old or the new file,
 * never half of one. A file that cannot be read or parsed counts as empty: a lost key is asked for again, while a
 * broken file must not stop the app.
 */
export class FileSecretStore implements SecretStore {
  readonly #file: string;
  readonly #encryptor: StringEncryptor | undefined;

  constructor(file: string, options: { encryptor?: StringEncryptor } = {}) {
    this.#file = file;
    this.#encryptor = options.encryptor;
  }

  get protection(): string {
    return this.#encrypting() ? 'the system’s secret storage' : 'a file in the data folder only you can read';
  }

  get(name: string): string | null {
    const entry = this.#read().secrets[name];
    if (!entry) return null;
    if (entry.kind === 'plain') return entry.data;
    try {
      return this.#encryptor?.decryptString(Buffer.from(entry.data, 'base64')) ?? null;
    } catch {
      return null; // the system's key is gone (another user, a reset keyring): the user enters the key again
    }
  }

  set(name: string, value: string): void {
    const file = this.#read();
    const encryptor = this.#encrypting() ? this.#encryptor : undefined;
    file.secrets[name] = encryptor
      ? { kind: 'safeStorage', data: encryptor.encryptString(value).toString('base64') }
      : { kind: 'plain', data: value };
    this.#write(file);
  }

  delete(name: string): void {
    const file = this.#read();
    if (!Object.hasOwn(file.secrets, name)) return;
    delete file.secrets[name];
    this.#write(file);
  }

  #encrypting(): boolean {
    try {
      return this.#encryptor?.isEncryptionAvailable() ?? false;
    } catch {
      return false;
    }
  }

  #read(): SecretsFile {
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch {
      return { version: 1, secrets: {} };
    }
    try {
      const parsed = v.safeParse(SecretsFile, JSON.parse(text));
      if (parsed.success) return { version: 1, secrets: { ...parsed.output.secrets } };
    } catch {
      // not JSON: counts as empty
    }
    return { version: 1, secrets: {} };
  }

  #write(content: SecretsFile): void {
    const temp = `${this.#file}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
      chmodSync(temp, 0o600); // the mode above is masked by the umask; this is not
      renameSync(temp, this.#file);
    } catch (error) {
      rmSync(temp, { force: true });
      throw new SecretStoreError(`Could not save the key in ${this.#file}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The secrets file's name in the data folder. */
export const SECRETS_FILE = 'secrets.json';
