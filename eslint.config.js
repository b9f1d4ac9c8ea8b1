// @ts-check
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/**
 * The layer table (see README "Architecture"): the folder says where code may run, and these rules make a wrong
 * import fail `npm test` rather than review.
 */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const nativeOrNodeOnly = ['electron', 'better-sqlite3', 'node-llama-cpp', 'ws', 'vite', 'esbuild'];
/** Every layer: test support (the synthetic model writer, the scripted engine…) lives under tests/, never in the product. */
const noTestSupport = { regex: '(^|/)tests(/|$)', message: 'Product code never imports tests/ (test support lives there).' };
const layer = (message, { modules = [], paths = [] }) => ({
  'no-restricted-imports': [
    'error',
    {
      ...(modules.length ? { paths: modules.map((name) => ({ name, message })) } : {}),
      patterns: [
        ...(modules.length ? [{ group: modules.map((name) => `${name}/*`), message }] : []),
        ...paths.map((regex) => ({ regex, message })),
        noTestSupport,
      ],
    },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', '.cache/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  // svelte-check (in `npm run typecheck`) resolves names in components; ESLint's no-undef knows no DOM types.
  { files: ['**/*.svelte'], rules: { 'no-undef': 'off' } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    files: ['src-main/common/**'],
    rules: layer('src-main/common runs everywhere (renderer included): no Node, Electron, DOM or native modules.', {
      modules: [...nodeBuiltins, ...nativeOrNodeOnly],
      paths: ['(^|/)(node|electron-main|electron-preload)(/|$)', 'src-renderer'],
    }),
  },
  {
    files: ['src-main/common/**'],
    rules: {
      'no-restricted-globals': ['error', 'window', 'document', 'navigator', 'localStorage', 'process', 'Buffer', 'require', '__dirname'],
    },
  },
  {
    files: ['src-main/node/**'],
    rules: layer('src-main/node runs in the main process and the browser host: never Electron.', {
      modules: ['electron'],
      paths: ['(^|/)(electron-main|electron-preload)(/|$)', 'src-renderer'],
    }),
  },
  {
    files: ['src-main/electron-main/**', 'src-main/electron-preload/**'],
    rules: layer('Electron code wires services; it never imports the renderer.', { paths: ['src-renderer'] }),
  },
  {
    files: ['src-main/electron-preload/**'],
    rules: layer('The preload is a sandboxed bridge: Electron and src-main/common only.', {
      modules: [...nodeBuiltins, 'better-sqlite3', 'node-llama-cpp', 'ws'],
      paths: ['(^|/)(node|electron-main)(/|$)', 'src-renderer'],
    }),
  },
  {
    files: ['src-renderer/**'],
    rules: layer('The renderer is untrusted browser code: it may import only src-main/common and browser APIs.', {
      modules: [...nodeBuiltins, ...nativeOrNodeOnly],
      paths: ['src-main/(node|electron-main|electron-preload)(/|$)'],
    }),
  },
);
