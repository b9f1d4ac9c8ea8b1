// @ts-check
/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {
  compilerOptions: {
    // Svelte 5 runes everywhere: no legacy reactive `let`/`$:` semantics by accident.
    runes: true,
  },
};
