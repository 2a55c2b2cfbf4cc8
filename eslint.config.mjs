// Lint config: typescript-eslint recommended rules; `any` is banned outside tests and SDK adapters
// must narrow what the SDKs hand back instead of passing it on.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.local/', 'tab/dist/', 'appPackage/build/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['scripts/**', 'sandbox/src/main.ts', 'bench/**', 'api/src/cli.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    // The Teams tab runs in the browser (React); its vite config runs in Node.
    files: ['tab/src/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['test/**'],
    languageOptions: { globals: { ...globals.jest } },
  },
);
