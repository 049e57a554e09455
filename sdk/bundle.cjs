// Puts a browser dependency inside a built file, so that a page loads everything from the auth service
// (its CSP says script-src 'self'; no CDN) with no bundler in the toolchain: a package's published
// single-file UMD build, or a small CommonJS graph (relative requires and plain packages only).
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

/** An expression whose value is what a UMD file exports. */
function umdModule(file) {
  return `(() => { const module = { exports: {} }; const exports = module.exports; ${readFileSync(file, 'utf8')}\n; return module.exports; })()`;
}

/**
 * An expression whose value is `require(entry)`, every module it requires included. `aliases` maps a
 * specifier to the file to take instead (a package's browser build); `externals` maps a specifier to
 * an expression of the surrounding code (an ES import) that stays outside.
 */
function commonJsModule(entry, { aliases = {}, externals = {} } = {}) {
  const ids = new Map();
  const sources = [];
  const add = (file) => {
    if (ids.has(file)) return ids.get(file);
    const id = sources.length;
    ids.set(file, id);
    sources.push(null);
    const code = readFileSync(file, 'utf8');
    const links = {};
    for (const [, , specifier] of code.matchAll(/\brequire\((['"])([^'"]+)\1\)/g)) {
      if (specifier in externals) continue;
      if (/^(node:)?(fs|path|crypto|stream|util|buffer)$/.test(specifier)) throw new Error(`${file}: needs the Node module ${specifier}`);
      links[specifier] = add(aliases[specifier] ?? require.resolve(specifier, { paths: [dirname(file)] }));
    }
    // A package's code is minified (it is read in its repository); the page's own stays as compiled.
    const body = /[\\/]node_modules[\\/]/.test(file) ? require('@swc/core').minifySync(code, { compress: true, mangle: true }).code : code;
    sources[id] = `[function (module, exports, require) {\n${body}\n}, ${JSON.stringify(links)}]`;
    return id;
  };
  add(entry);
  const outside = Object.entries(externals).map(([specifier, expression]) => `${JSON.stringify(specifier)}: ${expression}`);
  return `(() => {
const externals = { ${outside.join(', ')} };
const modules = [${sources.join(',\n')}];
const cache = [];
const load = (id) => {
  if (cache[id]) return cache[id].exports;
  const module = (cache[id] = { exports: {} });
  const link = (specifier) => (specifier in externals ? externals[specifier] : load(modules[id][1][specifier]));
  modules[id][0].call(module.exports, module, module.exports, link);
  return module.exports;
};
return load(0);
})()`;
}

/**
 * Replaces the import of `specifier` in a built file by `expression`: `import { a, b } from 'x';`
 * (ES module) or `require("x")` (CommonJS). Fails the build when there is none to replace.
 */
function inline(file, specifier, expression, write = require('node:fs').writeFileSync) {
  const code = readFileSync(file, 'utf8');
  const quoted = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const esm = new RegExp(`^import \\{([^}]*)\\} from ['"]${quoted}['"];$`, 'm');
  const cjs = new RegExp(`require\\(['"]${quoted}['"]\\)`, 'g');
  let replaced = code.replace(esm, (_, names) => {
    if (/\bas\b/.test(names)) throw new Error(`${file}: renamed imports of ${specifier} are not supported`);
    return `const {${names}} = ${expression};`;
  });
  replaced = replaced.replace(cjs, () => expression);
  if (replaced === code) throw new Error(`${file}: no import of ${specifier} to bundle`);
  write(file, replaced);
}

/** A file of an installed package (whose `exports` may hide its package.json and its bundles). */
function packageFile(name, ...path) {
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === name) return join(dir, ...path);
  }
  throw new Error(`${name} is not installed`);
}

module.exports = { umdModule, commonJsModule, inline, packageFile };
