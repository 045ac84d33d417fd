// Another city's pass judged offline (static/js/scan/rules.js over the bundle's trusted
// issuers) against the foreign-pass vectors the server's tests run too
// (tests/vectors/foreign.json, tests/integration/test_federation_vectors.py).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { deflateRawSync } from 'node:zlib';

import { DEFAULT_COLOUR_POLICY, checkOffline, feedIsFresh } from '../../static/js/scan/rules.js';

const VECTORS = JSON.parse(await readFile(new URL('../vectors/foreign.json', import.meta.url), 'utf8'));
const { subtle } = globalThis.crypto;
const { now: NOW } = VECTORS;
const HOUR = 3600;
const NAMES = { NUMBER: VECTORS.number, KID: VECTORS.kid, ENTERPRISE: VECTORS.enterprise };

const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
const qrText = (jws) => `LP:/${[...jws].map((c) => String(c.charCodeAt(0) - 45).padStart(2, '0')).join('')}`;
const substitute = (value) => JSON.parse(Object.entries(NAMES).reduce(
  (text, [placeholder, actual]) => text.replaceAll(`"${placeholder}"`, JSON.stringify(actual)),
  JSON.stringify(value),
));

async function newKey() {
  return subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
}

async function publicJwk(pair, kid) {
  const { kty, crv, x, y } = await subtle.exportKey('jwk', pair.publicKey);
  return { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' };
}

/** A pass token as core/crypto.py signs one: ES256, kid, "zip": "DEF", raw DEFLATE claims. */
async function signPass(pair, kid, claims) {
  const header = b64(Buffer.from(JSON.stringify({ alg: 'ES256', kid, zip: 'DEF' })));
  const input = `${header}.${b64(deflateRawSync(Buffer.from(JSON.stringify(claims), 'utf8')))}`;
  const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, Buffer.from(input));
  return `${input}.${b64(new Uint8Array(signature))}`;
}

function feedFor(vector) {
  if ('feed' in vector && vector.feed === null) return null;
  return substitute({
    generated_at: new Date((NOW - (vector.feed_age_s ?? 60)) * 1000).toISOString(),
    max_age_s: 900,
    colours: { ENTERPRISE: 'green' },
    states: { ENTERPRISE: 'approved' },
    revoked: [],
    revoked_kids: [],
    holds: [],
    ...vector.feed,
  });
}

const issuerKey = await newKey();
const issuerJwks = { keys: [await publicJwk(issuerKey, VECTORS.kid)] };

function bundleFor(feed) {
  const { area, name } = VECTORS.issuer;
  return {
    area: VECTORS.local_area, colour_policy: DEFAULT_COLOUR_POLICY,
    issuers: { [area]: { name, jwks: issuerJwks, feed } },
    // This city's own status: unused by a foreign pass.
    generatedAtS: NOW, max_age_s: 3600, colours: {}, states: {}, revoked: [], revoked_kids: [],
  };
}

async function qrFor(vector) {
  const claims = {
    jti: VECTORS.number, e: VECTORS.enterprise, nbf: NOW - HOUR, exp: NOW + 24 * HOUR,
    t: NOW - 12 * HOUR, ...VECTORS.claims, ...vector.claims,
  };
  for (const [name, hours] of Object.entries(vector.claims_h || {})) claims[name] = NOW + hours * HOUR;
  const key = vector.signer === 'stranger' ? await newKey() : issuerKey;
  return qrText(await signPass(key, vector.kid || VECTORS.kid, claims));
}

describe('foreign passes offline, as the server judges them', () => {
  for (const vector of VECTORS.cases) {
    test(`${vector.name}: ${vector.description}`, async () => {
      const result = await checkOffline({
        qr: await qrFor(vector), plate: vector.plate_seen || null, now: NOW, keys: new Map(),
        bundle: bundleFor(feedFor(vector)), area: vector.area || '450502', subtle,
      });
      assert.deepEqual({ verdict: result.verdict, reasons: result.reasons }, vector.expect);
    });
  }
});

describe('the issuing city', () => {
  test('a foreign verdict names the issuing city', async () => {
    const result = await checkOffline({
      qr: await qrFor({}), now: NOW, keys: new Map(), bundle: bundleFor(feedFor({})), subtle,
    });
    assert.deepEqual(result.enterprise.issuer, VECTORS.issuer);
    assert.equal(result.enterprise.code, VECTORS.enterprise);
  });

  test("this city's own pass is still verified with its own keys", async () => {
    const local = await newKey();
    const claims = {
      jti: '450500000001', e: '91450500MA5KA1001P', nbf: NOW - HOUR, exp: NOW + HOUR,
      t: NOW - HOUR, ...VECTORS.claims,
    };
    const qr = qrText(await signPass(local, VECTORS.kid, claims));
    const keys = new Map([[VECTORS.kid, (await subtle.importKey(
      'jwk', await publicJwk(local, VECTORS.kid), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'],
    ))]]);
    const bundle = { ...bundleFor(feedFor({})), colours: { [claims.e]: 'green' }, states: { [claims.e]: 'approved' } };
    const result = await checkOffline({ qr, now: NOW, keys, bundle, subtle });
    assert.equal(result.verdict, 'pass');
    assert.equal(result.enterprise.issuer, undefined);
  });

  test('a feed exactly max_age_s old is fresh, one second older is not', () => {
    const feed = { generated_at: new Date((NOW - 900) * 1000).toISOString(), max_age_s: 900 };
    assert.equal(feedIsFresh(feed, NOW), true);
    assert.equal(feedIsFresh(feed, NOW + 1), false);
    assert.equal(feedIsFresh(null, NOW), false);
  });
});
