#!/usr/bin/env node
// `npx orchestrator …`: builds what changed first, as `npm start` does (facade/ensure-built.mjs: nothing on a built
// tree, the whole build on a fresh clone after `npm ci`), then runs the compiled CLI. Plain JavaScript on purpose:
// it runs before anything is compiled.
await import('../facade/ensure-built.mjs');
await import('../dist/facade/cli/main.js');
