#!/usr/bin/env node
// Entry point for `npx apt-detect`: runs the TypeScript CLI through tsx's CommonJS loader.
require('tsx/cjs');
// runCli is called here rather than on `require.main`: through npx or a bin link argv[1] is the link's name.
require('./apt_detect.ts').runCli();
