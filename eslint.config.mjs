// Lint config: typescript-eslint recommended rules; `any` is banned outside tests and SDK adapters
// must narrow what the SDKs hand back instead of passing it on. The layering rules below say who
// may import whom (test/unit/layering.test.ts shows each one failing on purpose).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

/** Development and test tooling: nothing that ships may import it. */
const NO_DEV_TOOLING = {
  regex: '(^|/)(sandbox|scripts|test|bench)/',
  message: 'Shipped code never imports development tooling (sandbox/, scripts/, test/, bench/).',
};
/** The composition root wires api/ and bot/ together; api/ knows neither. */
const API_KNOWS_NO_BOT = {
  regex: '(^|/)(bot|app)/src/',
  message: 'api/ never imports bot/ or the composition root (app/): they depend on api/, not the reverse.',
};
/** Domain code is independent of how HTTP presents it. */
const DOMAIN_KNOWS_NO_HTTP = {
  regex: '(^|/)http/',
  message: 'Domain code never imports HTTP view types (api/src/http/): map in the HTTP layer instead.',
};
/** The bot sees only ports: interfaces, record types and the error family, never an implementation. */
const BOT_SEES_ONLY_PORTS = {
  regex: 'api/src/(?!(?:[\\w-]+/)*(?:[\\w-]*-)?(?:port|types|errors)$)',
  message:
    'The bot sees only ports (api/src/**/port, *-port, types, *-types, errors); the composition root wires the rest.',
};
/** The tab shares the API contract, the browser-side sealing and the PowerShell commands, nothing else. */
const TAB_SEES_ONLY_CONTRACT = {
  regex:
    '(api/src/(?!(?:http/contract|secrets/seal-password|powershell-commands|room-scope-commands|vocabulary)$))|((^|/)(bot|app|sandbox|scripts)/)',
  message:
    'The tab imports only the API contract (api/src/http/contract) and the browser-safe modules api/src/secrets/seal-password, api/src/powershell-commands, api/src/room-scope-commands and api/src/vocabulary.',
};
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', '.local/', 'tab/dist/', 'appPackage/build/', 'bin/'] },
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
    files: ['scripts/**', 'sandbox/src/main.ts', 'bench/**', 'app/src/cli.ts'],
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
  // Layering: these come last so they are the rules in force for their files.
  { files: ['app/src/**'], rules: restrict(NO_DEV_TOOLING) },
  { files: ['api/src/**'], rules: restrict(NO_DEV_TOOLING, API_KNOWS_NO_BOT, DOMAIN_KNOWS_NO_HTTP) },
  { files: ['api/src/http/**'], rules: restrict(NO_DEV_TOOLING, API_KNOWS_NO_BOT) },
  { files: ['bot/src/**'], rules: restrict(NO_DEV_TOOLING, BOT_SEES_ONLY_PORTS) },
  { files: ['tab/src/**'], rules: restrict(TAB_SEES_ONLY_CONTRACT) },
);
