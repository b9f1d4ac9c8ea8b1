import packageJson from '../../../package.json' with { type: 'json' };

/** The app version, from package.json (the single place it is set). */
export const APP_VERSION: string = packageJson.version;
