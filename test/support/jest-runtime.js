'use strict';
/*
 * jest's own runtime, with V8's code cache for the modules a worker compiles again for every test file
 * (each file has its own module registry, so Nest, TypeORM, Fastify and src are compiled anew each time).
 * Same source, same compiled code: only the compile step is skipped. In memory, per worker.
 */
const vm = require('node:vm');
const { createHash } = require('node:crypto');

const compile = vm.compileFunction;
const cache = new Map();

vm.compileFunction = function compileFunctionWithCodeCache(code, params, options = {}) {
  if (typeof code !== 'string' || options.cachedData || options.produceCachedData) return compile.call(this, code, params, options);
  const key = `${options.filename}\0${createHash('sha1').update(code).digest('base64')}`;
  const cachedData = cache.get(key);
  if (cachedData) {
    const fn = compile.call(this, code, params, { ...options, cachedData });
    if (!fn.cachedDataRejected) return fn;
    cache.delete(key);
    return fn;
  }
  const fn = compile.call(this, code, params, { ...options, produceCachedData: true });
  if (fn.cachedData) cache.set(key, fn.cachedData);
  return fn;
};

module.exports = require('jest-runtime');
