#!/usr/bin/env node
// The `wharf` command: the compiled CLI lives in dist/ (npm run build).
import('../dist/cli/wharf.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('wharf: dist/ is missing. Run `npm run build` (or `npm start`, which builds) first.');
    process.exit(1);
  }
  throw error;
});
