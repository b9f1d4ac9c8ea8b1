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
      output: {
        // The message renderer's libraries in chunks of their own (KaTeX alone is ~270 kB): the app's own chunk stays
        // small, and updating a library leaves the others' files as they were.
        manualChunks(id) {
          if (id.includes('/node_modules/katex/')) return 'katex';
          if (/\/node_modules\/(highlight\.js|marked|dompurify)\//.test(id)) return 'markdown';
          return undefined;
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    // The renderer imports the contract from src-main/common, outside the Vite root.
    fs: { allow: [repoRoot] },
  },
});
