#!/usr/bin/env node
// Runs the TypeScript sources through tsx in a checkout, or the compiled dist/ in an image
// built without sources (see Dockerfile).
import { existsSync } from 'node:fs';

const source = new URL('../src/composition/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/src/composition/main.js', import.meta.url).href);
}
