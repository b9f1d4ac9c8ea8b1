import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));
const rendererRoot = fileURLToPath(new URL('./src-renderer', import.meta.url));

/**
 * The renderer bundle: two pages (the chat window and the quick-prompt popup) sharing one set of chunks.
 * `base: './'` keeps every asset URL relative, so the same files load from the app's custom protocol, from a file
 * path and from the browser host. Nothing is inlined: the pages run under a CSP without 'unsafe-inline'
 * (Svelte's component CSS is emitted as .css files).
 */
export default defineConfig({
  root: rendererRoot,
  base: './',
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // Electron 45's Chromium and any current browser: no legacy transforms.
    target: 'chrome120',
    // Chromium supports <link rel="modulepreload">; the polyfill would only add code.
    modulePreload: { polyfill: false },
    // No data: URLs: everything is a file the CSP's 'self' allows.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        index: `${rendererRoot}/index.html`,
        quick: `${rendererRoot}/quick.html`,
      },
    },
  },
  server: {
    host: '127.0.0.1',
    // The renderer imports the contract from src-main/common, outside the Vite root.
    fs: { allow: [repoRoot] },
  },
});
