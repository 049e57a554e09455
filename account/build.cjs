// Builds the account page into account/dist: one script (app.js), the HTML and the stylesheet. Needs
// sdk/dist (its types), so `npm run build` runs it after build:sdk. The page's modules are compiled
// to CommonJS and put in app.js together with the `qrcode` package (its browser build), so the QR code
// of a TOTP enrolment is drawn here, never fetched (sdk/bundle.cjs, no bundler in the toolchain); the
// sdk stays the one import, from /sdk/auth-client.js, so the page and the apps of this origin share
// one client.
const { execFileSync } = require('node:child_process');
const { copyFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { commonJsModule, packageFile } = require('../sdk/bundle.cjs');

const dist = join(__dirname, 'dist');
const modules = join(dist, 'modules');
rmSync(dist, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    require.resolve('typescript/bin/tsc'),
    ...['-p', join(__dirname, 'tsconfig.json'), '--outDir', modules],
    ...['--module', 'commonjs', '--moduleResolution', 'node10', '--ignoreDeprecations', '6.0'],
  ],
  { stdio: 'inherit' },
);
const page = commonJsModule(join(modules, 'app.js'), {
  aliases: { qrcode: packageFile('qrcode', 'lib', 'browser.js') },
  externals: { '../sdk/auth-client.js': 'sdk' },
});
// Minified: the page is read in account/src; what the browser loads is kept small (the sdk is most of it).
const script = `import * as sdk from '../sdk/auth-client.js';\n${page};\n`;
writeFileSync(join(dist, 'app.js'), require('@swc/core').minifySync(script, { module: true, compress: true, mangle: true }).code);
rmSync(modules, { recursive: true, force: true });
for (const file of ['index.html', 'styles.css']) copyFileSync(join(__dirname, file), join(dist, file));
