#!/usr/bin/env node
// A source checkout runs the TypeScript sources through tsx (a development dependency); the
// production artifact carries only the compiled JavaScript in dist/ and runs it with plain node.
const { existsSync } = require('node:fs');
const path = require('node:path');

const source = path.join(__dirname, '..', 'app', 'src', 'cli.ts');
if (existsSync(source)) {
  require('tsx/cjs/api').register();
  require(source).run();
} else {
  require(path.join(__dirname, '..', 'dist', 'app', 'src', 'cli.js')).run();
}
