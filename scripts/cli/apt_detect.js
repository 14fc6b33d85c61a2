#!/usr/bin/env node
// Entry point for `npx apt-detect`: runs the TypeScript CLI through tsx's CommonJS loader.
require('tsx/cjs');
require('./apt_detect.ts');
