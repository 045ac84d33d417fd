// The pass token's JWS, read as the scanning page reads it (static/js/scan/jws.js): every
// segment decoded before the signature, and one whole DEFLATE stream in the payload. The
// Python twin of each rule is core/crypto.py's (tests/unit/test_crypto_deflate.py).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';

import { inflateRaw, splitJws, verifyJws } from '../../static/js/scan/jws.js';

const { subtle } = globalThis.crypto;
const KID = 'k1a';
const CLAIMS = { jti: '450500000123', k: 1, p: '桂E12345' };
const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
const json = (value) => b64(Buffer.from(JSON.stringify(value), 'utf8'));
const stream = (value) => deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 9 });
/** The segment made 1 more than a multiple of 4 characters long: never base64url. */
const notBase64 = (segment) => segment + 'A'.repeat((((1 - segment.length) % 4) + 4) % 4);

const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
const KEYS = new Map([[KID, pair.publicKey]]);

/** A genuinely signed pass token whose payload is any bytes. */
async function signed(payload) {
  const input = `${json({ alg: 'ES256', kid: KID, zip: 'DEF' })}.${b64(payload)}`;
  const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, Buffer.from(input));
  return `${input}.${b64(new Uint8Array(signature))}`;
}

describe('segments that are not base64url (RFC 7515 section 5.2)', () => {
  for (const [index, name] of ['header', 'payload', 'signature'].entries()) {
    test(`a ${name} segment of a length no base64url has is malformed`, async () => {
      const parts = (await signed(stream(CLAIMS))).split('.');
      parts[index] = notBase64(parts[index]);
      assert.throws(() => splitJws(parts.join('.')), { code: 'malformed' });
      await assert.rejects(verifyJws(parts.join('.'), KEYS, { deflate: true }), { code: 'malformed' });
    });
  }

  test('a broken payload segment is malformed before the key is looked up', async () => {
    const [header, payload, signature] = (await signed(stream(CLAIMS))).split('.');
    const broken = `${header}.${notBase64(payload)}.${signature}`;
    await assert.rejects(verifyJws(broken, new Map(), { deflate: true }), { code: 'malformed' });
  });

  test('the genuine token still verifies', async () => {
    const { claims } = await verifyJws(await signed(stream(CLAIMS)), KEYS, { deflate: true });
    assert.deepEqual(claims, CLAIMS);
  });
});

describe('one whole DEFLATE stream, nothing after it', () => {
  for (const trailing of [[0], [0, 0], [3, 0], [...stream(CLAIMS)]]) {
    test(`bytes ${trailing.slice(0, 4).join(',')} after the stream are malformed`, async () => {
      const bytes = Buffer.concat([stream(CLAIMS), Buffer.from(trailing)]);
      await assert.rejects(inflateRaw(bytes), { code: 'malformed', message: /one whole/ });
      await assert.rejects(verifyJws(await signed(bytes), KEYS, { deflate: true }), { code: 'malformed' });
    });
  }

  test('the stream alone inflates, whatever its length', async () => {
    for (const value of [{}, CLAIMS, 'x'.repeat(5000)]) {
      const text = new TextDecoder().decode(await inflateRaw(stream(value)));
      assert.deepEqual(JSON.parse(text), value);
    }
  });

  test('a stored (uncompressed) block inflates too', async () => {
    const bytes = deflateRawSync(Buffer.from('{}'), { level: 0 });
    assert.equal(new TextDecoder().decode(await inflateRaw(bytes)), '{}');
  });

  test('no bytes at all are malformed', async () => {
    await assert.rejects(inflateRaw(new Uint8Array(0)), { code: 'malformed' });
  });
});
