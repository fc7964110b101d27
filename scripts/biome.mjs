#!/usr/bin/env node
// Run the Biome binary for this Linux machine. The project depends on the per-platform
// binary packages directly (optional, x64 and arm64): the @biomejs/biome wrapper lists
// binaries for every OS as optional dependencies, and a registry mirror that serves only
// Linux packages leaves `npm ci` unable to validate the lockfile.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = `@biomejs/cli-${process.platform}-${process.arch}`;
let binary;
try {
  binary = require.resolve(`${pkg}/biome`);
} catch {
  console.error(`biome: ${pkg} is not installed (supported here: linux x64 and arm64)`);
  process.exit(2);
}
const r = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit' });
process.exit(r.status ?? 1);
