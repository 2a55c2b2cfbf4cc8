/**
 * Builds the tab: the wizard (index.html) and the consent popup's landing page (consent-end.html),
 * served by the API at /tab/. `npm run build:tab` writes tab/dist.
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/tab/',
  // React 17+ JSX runtime: no `import React` in every component.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The budget that matters is initial JS ≤ 250 KB gzip (bench/tab.ts), not 500 KB minified.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // Fluent's 'use client' directives are for React Server Components; irrelevant in a tab.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        consentEnd: fileURLToPath(new URL('consent-end.html', import.meta.url)),
      },
    },
  },
});
