import { fileURLToPath } from 'node:url';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';
// electron-builder's own reader and validator: the file is checked as `npm run dist` will read it.
import { validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { findAndReadConfig } from 'app-builder-lib/out/util/config/load';
import type { Configuration } from 'app-builder-lib';

const projectDir = fileURLToPath(new URL('../../..', import.meta.url));

async function readConfig(): Promise<Configuration> {
  const read = await findAndReadConfig<Configuration>({
    packageKey: 'build',
    configFilename: 'electron-builder',
    projectDir,
    packageMetadata: null,
  });
  if (!read) throw new Error('electron-builder.yml was not found');
  expect(read.configFile).toMatch(/electron-builder\.yml$/);
  return read.result;
}

describe('packaging config (electron-builder.yml)', () => {
  it('seals the packaged binary with Electron fuses', async () => {
    const config = await readConfig();
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('is a configuration electron-builder accepts (its schema knows every key, fuses included)', async () => {
    const config = await readConfig();
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The check is real: a misspelt fuse is refused.
    const misspelt = { ...config, electronFuses: { ...config.electronFuses, runAsNodes: false } } as Configuration;
    await expect(validateConfiguration(misspelt, new DebugLogger(false))).rejects.toThrow(/configuration\.electronFuses should be/);
  });
});
