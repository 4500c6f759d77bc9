// Verifies the first signature of a DSSE envelope with sigstore-js's @sigstore/core (its DSSE
// pre-authentication encoding and its signature check), not with ko-jvm's code.
// Usage: node sigstore-dsse-verify.js <node_modules dir> <envelope.json> <public key PEM>
'use strict';
const fs = require('fs');
const path = require('path');
const core = require(path.join(process.argv[2], '@sigstore', 'core'));
const envelope = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const pae = core.dsse.preAuthEncoding(envelope.payloadType, Buffer.from(envelope.payload, 'base64'));
const key = core.crypto.createPublicKey(fs.readFileSync(process.argv[4], 'utf8'));
const sig = Buffer.from(envelope.signatures[0].sig, 'base64');
const ok = core.crypto.verify(pae, key, sig, 'sha256');
console.log(ok ? 'verified' : 'refused');
process.exit(ok ? 0 : 1);
