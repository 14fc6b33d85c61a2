// Two projects: unit tests sit next to the code (pure logic, no services); integration and
// end-to-end tests under test/ talk to the real development stack, started once by global setup.
const transform = { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { transform: { react: { runtime: 'automatic' } } } }] };
module.exports = {
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      transform,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/{common,server,public,scripts}/**/*.test.{ts,tsx}'],
    },
    {
      displayName: 'integration',
      transform,
      // The hosts under test run the ONNX models; see the file for why onnxruntime-node needs this environment.
      testEnvironment: '<rootDir>/server/detection/models/ort_test_environment.js',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/global_setup.ts',
      globalTeardown: '<rootDir>/test/global_teardown.ts',
    },
  ],
};
