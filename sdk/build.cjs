// Builds dist/esm (ES module, also served by the server at /sdk/auth-client.js) and dist/cjs
// (CommonJS), each marked with its module format so Node reads it right. No bundler: one source file,
// and @simplewebauthn/browser's published single-file build put in place of its import (bundle.cjs).
const { execFileSync } = require('node:child_process');
const { rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const { inline, packageFile, umdModule } = require('./bundle.cjs');

const tsc = require.resolve('typescript/bin/tsc');
const webauthn = umdModule(packageFile('@simplewebauthn/browser', 'dist', 'bundle', 'index.umd.min.js'));
rmSync(join(__dirname, 'dist'), { recursive: true, force: true });
for (const [config, folder, type] of [
  ['tsconfig.json', 'esm', 'module'],
  ['tsconfig.cjs.json', 'cjs', 'commonjs'],
]) {
  execFileSync(process.execPath, [tsc, '-p', join(__dirname, config)], { stdio: 'inherit' });
  writeFileSync(join(__dirname, 'dist', folder, 'package.json'), `{ "type": "${type}" }\n`);
  inline(join(__dirname, 'dist', folder, 'index.js'), '@simplewebauthn/browser', webauthn);
}
