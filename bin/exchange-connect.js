#!/usr/bin/env node
// The project ships TypeScript sources; tsx's require hook runs the CLI without a build step.
require('tsx/cjs/api').register();
require('../api/src/cli.ts').run();
