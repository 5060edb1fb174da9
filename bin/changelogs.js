#!/usr/bin/env node
// Runs the TypeScript sources directly (through tsx), so `npx changelogs` works right after `npm install`.
'use strict';
require('tsx/cjs');
require('../cli/main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    if (typeof code === 'number') process.exitCode = code;
  })
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
