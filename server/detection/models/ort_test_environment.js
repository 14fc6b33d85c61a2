/**
 * Jest environment for tests that run onnxruntime-node. Jest gives each test file its own realm, but the native
 * binding creates output arrays in Node's main realm, so onnxruntime-common's `instanceof Float32Array` check
 * fails ("A float32 tensor's data must be type of function Float32Array()"). Sharing the main realm's typed-array
 * constructors with the test realm fixes that. Select it per file with the `@jest-environment` docblock.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'Float32Array',
  'Float64Array',
  'Int8Array',
  'Uint8Array',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'BigInt64Array',
  'BigUint64Array',
  'ArrayBuffer',
];

class OrtTestEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OrtTestEnvironment;
