// Builds the account page into account/dist: the modules (tsc, no bundler), the HTML and the stylesheet.
// Needs sdk/dist (its types), so `npm run build` runs it after build:sdk.
const { execFileSync } = require('node:child_process');
const { copyFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.json')], { stdio: 'inherit' });
for (const file of ['index.html', 'styles.css']) copyFileSync(join(__dirname, file), join(dist, file));
