#!/usr/bin/env node
// The ringside CLI. The TypeScript sources compile to dist/ (npm's `prepare` script runs tsc).
let cli;
try {
  cli = await import('../dist/harness/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/harness/cli/main.js')) {
    process.stderr.write('ringside: dist/ is missing; build it first with `npm run build`\n');
    process.exit(3);
  }
  throw error;
}
process.exitCode = await cli.main(process.argv.slice(2));
