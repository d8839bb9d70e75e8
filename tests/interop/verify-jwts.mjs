// Verifies JWTs made by New-KmsSignedJwt with tools that share no code with KmsSignature:
// node's crypto (OpenSSL) for RSA/ECDSA/Ed25519, @noble/post-quantum for ML-DSA, and the `jose` library
// (jwtVerify with the JWKS) where it implements the alg. Every token must verify, and a copy with one
// byte of the signature changed and a copy with a changed payload must not.
//
// Usage: node verify-jwts.mjs input.json      (run `npm ci` in this folder first)
// input.json: { "keys": { "<kid>": "<SPKI PEM>" , ... }, "jwks": {"keys": [...]} (optional), "tokens": ["<compact JWS>", ...] }
// Prints one JSON line per token and exits 1 when any check fails.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import * as jose from 'jose';

const input = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const hashOf = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };
const mldsa = { 'ML-DSA-44': [ml_dsa44, 1312], 'ML-DSA-65': [ml_dsa65, 1952], 'ML-DSA-87': [ml_dsa87, 2592] };
// jose 6 on node 20 (WebCrypto) has no secp256k1 and no ML-DSA; those rely on node crypto / noble.
const joseAlgs = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'Ed25519', 'EdDSA']);

function nodeVerify(alg, pem, data, sig) {
  if (alg.startsWith('ML-DSA')) {
    const [impl, length] = mldsa[alg];
    // node 20's OpenSSL 3.0 cannot parse ML-DSA keys: take the raw key from the end of the SPKI.
    const spki = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    return impl.verify(sig, data, spki.subarray(spki.length - length));
  }
  const key = crypto.createPublicKey(pem);
  if (alg.startsWith('RS')) return crypto.verify(hashOf[alg.slice(2)], data, key, sig);
  if (alg.startsWith('PS')) return crypto.verify(hashOf[alg.slice(2)], data,
    { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST }, sig);
  if (alg === 'ES256K') return crypto.verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
  if (alg.startsWith('ES')) return crypto.verify(hashOf[alg.slice(2)], data, { key, dsaEncoding: 'ieee-p1363' }, sig);
  if (alg === 'Ed25519' || alg === 'EdDSA') return crypto.verify(null, data, key, sig);
  throw new Error(`unknown alg ${alg}`);
}

function check(token) {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const pem = input.keys[header.kid];
  if (!pem) throw new Error(`no key for kid ${header.kid}`);
  const data = Buffer.from(`${h}.${p}`, 'ascii');
  const sig = Buffer.from(s, 'base64url');
  const tamperedSig = Buffer.from(sig); tamperedSig[tamperedSig.length >> 1] ^= 0x01;
  const tamperedData = Buffer.from(`${h}.${Buffer.from(JSON.stringify({ tampered: true })).toString('base64url')}`, 'ascii');
  return {
    header,
    valid: nodeVerify(header.alg, pem, data, sig),
    tamperedSignatureRejected: !nodeVerify(header.alg, pem, data, tamperedSig),
    tamperedPayloadRejected: !nodeVerify(header.alg, pem, tamperedData, sig),
  };
}

let failed = false;
// The JWKS as given (Export-KmsPublicKeyPem -Format Jwks), else one node derives from the PEMs.
const tryKey = (pem) => { try { return crypto.createPublicKey(pem); } catch { return null; } };
const derived = Object.entries(input.keys)
  .map(([kid, pem]) => ({ kid, key: tryKey(pem) }))
  .filter(({ key }) => key && ['rsa', 'ec', 'ed25519'].includes(key.asymmetricKeyType))
  .map(({ kid, key }) => ({ ...key.export({ format: 'jwk' }), kid }));
const jwks = jose.createLocalJWKSet(input.jwks ?? { keys: derived });
for (const token of input.tokens) {
  const result = { token: token.slice(0, 24) + '...' };
  try {
    const r = check(token);
    Object.assign(result, { alg: r.header.alg, node: r.valid, tamperedSignatureRejected: r.tamperedSignatureRejected, tamperedPayloadRejected: r.tamperedPayloadRejected });
    if (!r.valid || !r.tamperedSignatureRejected || !r.tamperedPayloadRejected) failed = true;
    if (joseAlgs.has(r.header.alg)) {
      try {
        await jose.jwtVerify(token, jwks, { algorithms: [r.header.alg] });
        result.jose = true;
      } catch (e) {
        result.jose = false; result.joseError = `${e.code}: ${e.message}`; failed = true;
      }
    }
  } catch (e) {
    result.error = e.message; failed = true;
  }
  console.log(JSON.stringify(result));
}
process.exit(failed ? 1 : 0);
