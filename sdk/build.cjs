// Builds dist/esm (ES module, also served by the server at /sdk/auth-client.js) and dist/cjs
// (CommonJS), each marked with its module format so Node reads it right. No bundler: one source file.
const { execFileSync } = require('node:child_process');
const { rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const tsc = require.resolve('typescript/bin/tsc');
rmSync(join(__dirname, 'dist'), { recursive: true, force: true });
for (const [config, folder, type] of [
  ['tsconfig.json', 'esm', 'module'],
  ['tsconfig.cjs.json', 'cjs', 'commonjs'],
]) {
  execFileSync(process.execPath, [tsc, '-p', join(__dirname, config)], { stdio: 'inherit' });
  writeFileSync(join(__dirname, 'dist', folder, 'package.json'), `{ "type": "${type}" }\n`);
}
