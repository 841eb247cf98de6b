'use strict';
// fabric-shim's bootstrap require()s the `main` of the --module-path package and reads `contracts` and
// `serializers` from it. The chaincode is built as ES modules (dist/chaincode/main.js, root package "type":
// "module"); Node >= 20.19 lets require() load an ES module graph without top-level await, which this one is.
/* eslint-disable @typescript-eslint/no-require-imports */
/* global require, module, __dirname */
const path = require('node:path');

module.exports = require(path.join(__dirname, '..', '..', 'dist', 'chaincode', 'main.js'));
