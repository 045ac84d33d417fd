// The scanning page's offline rules (static/js/scan/rules.js) against the verify vectors the
// server's tests use too (tests/vectors/verify.json), with real ES256 tokens made here, and
// a pass token the server's own code signed (tests/vectors/server_token.json).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { deflateRawSync, deflateSync } from 'node:zlib';

import { MAX_INFLATED_BYTES, inflateRaw, verifyJws } from '../../static/js/scan/jws.js';
import {
  REASON_CODES, checkOffline, isFresh, jwsFromQrText, normalizePlate, openBundle, passKeys,
  reasonVerdict, worstFirst,
} from '../../static/js/scan/rules.js';

const readJson = async (name) => JSON.parse(await readFile(new URL(`../vectors/${name}`, import.meta.url), 'utf8'));
const VECTORS = await readJson('verify.json');
const SERVER_TOKEN = await readJson('server_token.json');
const OFFLINE_CASES = VECTORS.cases.filter((vector) => vector.paths.includes('offline'));
const { subtle } = globalThis.crypto;
const NOW = 1658300000; // 2022-07-20 14:53 in Beihai
const HOUR = 3600;
const NUMBER = '450500000001';
const ENTERPRISE = '91450500MA5KA1001P';

const b64 = (bytes) => Buffer.from(bytes).toString('base64url');
const json = (value) => b64(Buffer.from(JSON.stringify(value), 'utf8'));
// A pass token's payload: raw DEFLATE of the claims' UTF-8 JSON, as core/crypto.py makes it.
const deflated = (value) => b64(deflateRawSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 9 }));
const PASS_HEADER = (kid) => ({ alg: 'ES256', kid, zip: 'DEF' });
const qrText = (jws) => `LP:/${[...jws].map((c) => String(c.charCodeAt(0) - 45).padStart(2, '0')).join('')}`;

async function signer(kid) {
  const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = { ...(await subtle.exportKey('jwk', pair.publicKey)), kid, alg: 'ES256', use: 'sig' };
  delete jwk.key_ops;
  delete jwk.ext;
  const signSegments = async (header, payload) => {
    const input = `${json(header)}.${payload}`;
    const signature = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, pair.privateKey, Buffer.from(input));
    return `${input}.${b64(new Uint8Array(signature))}`;
  };
  // Plain JSON (the offline bundle); signPass makes a pass token.
  const sign = (claims, header = { alg: 'ES256', kid }) => signSegments(header, json(claims));
  const signPass = (claims) => signSegments(PASS_HEADER(kid), deflated(claims));
  return { kid, jwk, sign, signPass, signSegments };
}

const passKey = await signer('pass-key-1');
const bundleKey = await signer('pass-key-2'); // the current key, after a rotation
const foreignKey = await signer('foreign1');

function claimsFor(facts) {
  const claims = {
    jti: NUMBER, nbf: NOW + facts.valid_from_h * HOUR, exp: NOW + facts.valid_until_h * HOUR,
    k: facts.kind === 'vehicle' ? 1 : 2, e: ENTERPRISE, n: '张*明', i: '1234',
    t: NOW - facts.test_age_h * HOUR, o: 450502, d: 450521,
  };
  return facts.kind === 'vehicle' ? { ...claims, p: facts.plate, c: 2 } : claims;
}

/** The text the officer scans, made as tests/integration/test_verify_vectors.py makes it. */
async function scannedText(form, claims) {
  const token = await passKey.signPass(claims);
  const [header, payload, signature] = token.split('.');
  const edited = 'p' in claims ? { ...claims, p: '桂E99999' } : { ...claims, n: '李*四' };
  switch (form.form) {
    case 'genuine': return qrText(token);
    case 'text': return form.text;
    case 'tampered': return qrText(`${header}.${deflated(edited)}.${signature}`);
    case 'foreign_key': return qrText(await foreignKey.signPass(claims));
    case 'uncompressed': return qrText(await passKey.sign(claims));
    case 'deflate_bomb': return qrText(await passKey.signSegments(PASS_HEADER(passKey.kid), deflated('0'.repeat(2 ** 20))));
    case 'alg_none': return qrText(`${json({ alg: 'none', kid: passKey.kid })}.${payload}.`);
    case 'hs256_public_key': {
      const input = `${json({ alg: 'HS256', kid: passKey.kid })}.${payload}`;
      return qrText(`${input}.${b64(createHmac('sha256', JSON.stringify(passKey.jwk)).update(input).digest())}`);
    }
    case 'truncated': return qrText(token).slice(0, -2);
    case 'padded': return `${qrText(token)}1616`;
    case 'bad_base64_payload': {
      const broken = payload + 'A'.repeat((((1 - payload.length) % 4) + 4) % 4);
      return qrText(`${header}.${broken}.${signature}`);
    }
    default: throw new Error(`no offline form ${form.form}`);
  }
}

/** The signed bundle the server would have sent, for the world the case describes. */
async function bundleFor(vector) {
  const revokedKids = vector.key_revoked ? [passKey.kid] : [];
  const published = { keys: [bundleKey.jwk, ...(vector.key_revoked ? [] : [passKey.jwk])] };
  const { state, colour, in_bundle: listed } = vector.enterprise;
  const jws = await bundleKey.sign({
    generated_at: new Date((NOW - vector.bundle_age_s) * 1000).toISOString(),
    max_age_s: VECTORS.max_age_s,
    colours: colour && listed ? { [ENTERPRISE]: colour } : {},
    states: listed ? { [ENTERPRISE]: state } : {},
    revoked: vector.pass_revoked ? [NUMBER] : [],
    handed_over: vector.handed_over ? [NUMBER] : [],
    routes: vector.pass.via.length ? { [NUMBER]: vector.pass.via } : {},
    checkpoints: { 'CP-VECTOR': vector.checkpoint_area },
    revoked_kids: revokedKids,
    jwks: published,
    colour_policy: VECTORS.colour_policy,
    people: {
      [NUMBER]: {
        health_code: vector.holder.health_code,
        test_sampled_at: NOW - vector.holder.test_age_h * HOUR,
        test_positive: vector.holder.test_positive,
      },
    },
  });
  return { jws, published };
}

async function decide(vector) {
  const { jws, published } = await bundleFor(vector);
  const bundle = await openBundle(jws, await passKeys(published, null));
  const keys = await passKeys(published, bundle);
  const qr = await scannedText(vector.qr, claimsFor(vector.pass));
  const area = bundle.checkpoints['CP-VECTOR'];
  return checkOffline({ qr, plate: vector.plate_seen, now: NOW, keys, bundle, area });
}

describe('shared verify vectors, offline path', () => {
  for (const vector of OFFLINE_CASES) {
    test(`${vector.name}: ${vector.description}`, async () => {
      const result = await decide(vector);
      // Worst first, in the registry's order: compared as a list, not a set.
      assert.deepEqual({ verdict: result.verdict, reasons: result.reasons }, vector.expected);
    });
  }

  test('cover every reason code the page can give offline', () => {
    const seen = new Set(OFFLINE_CASES.flatMap((vector) => vector.expected.reasons));
    // The registry and other checkpoints' scans cannot be asked offline; no federation yet.
    const online = ['not_found', 'possible_copy', 'unknown_issuer', 'issuer_status_stale'];
    assert.deepEqual([...seen].sort(), VECTORS.reason_codes.filter((code) => !online.includes(code)).sort());
  });

  test('use the reason codes and order of the registry', () => {
    assert.deepEqual(REASON_CODES, VECTORS.reason_codes);
    for (const code of REASON_CODES) {
      if (!['enterprise_red', 'enterprise_yellow'].includes(code)) {
        assert.equal(reasonVerdict(code), VECTORS.reason_verdicts[code], code);
      }
    }
  });

  test('list a denial before any check, whatever order the rules found them in', () => {
    assert.deepEqual(worstFirst(['off_route', 'test_expired', 'enterprise_red', 'revoked']),
      ['revoked', 'enterprise_red', 'off_route', 'test_expired']);
  });

  test('compare the route only where the checkpoint is known', async () => {
    const vector = OFFLINE_CASES.find(({ name }) => name === 'off-route');
    const { jws, published } = await bundleFor(vector);
    const bundle = await openBundle(jws, await passKeys(published, null));
    const keys = await passKeys(published, bundle);
    const qr = await scannedText(vector.qr, claimsFor(vector.pass));
    const result = await checkOffline({ qr, now: NOW, keys, bundle, area: null });
    assert.deepEqual([result.verdict, result.reasons], ['pass', []]);
  });
});

describe('offline bundle', () => {
  const fresh = { ...OFFLINE_CASES[0], bundle_age_s: 60 };

  test('with a broken signature is refused', async () => {
    const { jws, published } = await bundleFor(fresh);
    const [header, , signature] = jws.split('.');
    const forged = `${header}.${json({ generated_at: new Date().toISOString() })}.${signature}`;
    await assert.rejects(openBundle(forged, await passKeys(published, null)), { code: 'bad_signature' });
  });

  test('signed by a key not in the JWKS is refused', async () => {
    const { jws } = await bundleFor(fresh);
    await assert.rejects(openBundle(jws, await passKeys({ keys: [passKey.jwk] }, null)), { code: 'unknown_key' });
  });

  test('is trusted up to its maximum age and no longer', () => {
    const bundle = { generatedAtS: NOW - 100, max_age_s: 100 };
    assert.equal(isFresh(bundle, NOW), true);
    assert.equal(isFresh(bundle, NOW + 1), false);
    assert.equal(isFresh(null, NOW), false);
  });

  test('missing altogether gives status_unknown for a genuine pass', async () => {
    const keys = await passKeys({ keys: [passKey.jwk] }, null);
    const qr = await scannedText({ form: 'genuine' }, claimsFor(fresh.pass));
    const result = await checkOffline({ qr, now: NOW, keys, bundle: null });
    assert.deepEqual([result.verdict, result.reasons], ['check', ['status_unknown']]);
  });

  test('a crew member positive stops the vehicle as the driver would, worded for the crew', async () => {
    const vector = { ...fresh, pass: { ...fresh.pass, test_age_h: 50 } };
    const { jws, published } = await bundleFor(vector);
    const bundle = await openBundle(jws, await passKeys(published, null));
    const qr = await scannedText({ form: 'genuine' }, claimsFor(vector.pass));
    const keys = await passKeys(published, bundle);
    const judge = () => checkOffline({ qr, now: NOW, keys, bundle });
    const negative = await judge();
    assert.deepEqual([negative.verdict, negative.onlyCrewPositive], ['pass', false]);
    bundle.people[NUMBER] = { ...bundle.people[NUMBER], test_sampled_at: NOW - 50 * HOUR,
      crew_test_positive: true };
    const positive = await judge(); // a positive test needs no age: no test_expired
    assert.deepEqual([positive.verdict, positive.reasons, positive.onlyCrewPositive],
      ['deny', ['test_positive'], true]);
    bundle.people[NUMBER].test_positive = true; // the driver too: worded for the driver
    assert.equal((await judge()).onlyCrewPositive, false);
  });

  test('a pass it does not list is judged on its signed test time', async () => {
    const vector = { ...fresh, pass: { ...fresh.pass, test_age_h: 50 } };
    const { jws, published } = await bundleFor(vector);
    const bundle = await openBundle(jws, await passKeys(published, null));
    bundle.people = {};
    const qr = await scannedText({ form: 'genuine' }, claimsFor(vector.pass));
    const result = await checkOffline({ qr, now: NOW, keys: await passKeys(published, bundle), bundle });
    assert.deepEqual([result.verdict, result.reasons], ['check', ['test_expired']]);
  });

  test('names the crew it lists for the pass, and none for a pass it lists no crew for', async () => {
    const { jws, published } = await bundleFor(fresh);
    const bundle = await openBundle(jws, await passKeys(published, null));
    const keys = await passKeys(published, bundle);
    const qr = await scannedText({ form: 'genuine' }, claimsFor(fresh.pass));
    const crew = [{ name: '李*海', id_last4: '2019' }];
    bundle.crew = { [NUMBER]: crew };
    assert.deepEqual((await checkOffline({ qr, now: NOW, keys, bundle })).crew, crew);
    bundle.crew = {};
    assert.deepEqual((await checkOffline({ qr, now: NOW, keys, bundle })).crew, []);
  });
});

describe('pass token made by the server (tests/vectors/server_token.json)', () => {
  const serverKeys = () => passKeys(SERVER_TOKEN.jwks, null);
  const jws = jwsFromQrText(SERVER_TOKEN.qr_text);

  test('verifies and inflates to the signed claims', async () => {
    const { header, claims } = await verifyJws(jws, await serverKeys(), { deflate: true });
    assert.deepEqual(header, { alg: 'ES256', kid: SERVER_TOKEN.jwks.keys[0].kid, zip: 'DEF' });
    assert.deepEqual(claims, SERVER_TOKEN.claims);
  });

  test('is judged by the offline rules as a genuine pass', async () => {
    const result = await checkOffline({ qr: SERVER_TOKEN.qr_text, now: SERVER_TOKEN.now, keys: await serverKeys() });
    assert.deepEqual([result.verdict, result.reasons, result.claims], ['check', ['status_unknown'], SERVER_TOKEN.claims]);
  });

  test('with its compressed payload edited is refused as bad_signature', async () => {
    const [header, , signature] = jws.split('.');
    const edited = `${header}.${deflated({ ...SERVER_TOKEN.claims, p: '桂E99999' })}.${signature}`;
    await assert.rejects(verifyJws(edited, await serverKeys(), { deflate: true }), { code: 'bad_signature' });
  });

  test('with one bit of its compressed payload flipped is refused as bad_signature', async () => {
    const [header, payload, signature] = jws.split('.');
    const bytes = Buffer.from(payload, 'base64url');
    bytes[3] ^= 1;
    const flipped = `${header}.${b64(bytes)}.${signature}`;
    const result = await checkOffline({ qr: qrText(flipped), now: SERVER_TOKEN.now, keys: await serverKeys() });
    assert.deepEqual([result.verdict, result.reasons], ['deny', ['bad_signature']]);
  });

  test('is refused where a plain JSON payload is due (the offline bundle)', async () => {
    await assert.rejects(verifyJws(jws, await serverKeys()), { code: 'malformed' });
  });
});

describe('inflateRaw (the browser\'s own DecompressionStream)', () => {
  test('inflates raw DEFLATE', async () => {
    const text = new TextDecoder().decode(await inflateRaw(deflateRawSync(Buffer.from('桂E12345'))));
    assert.equal(text, '桂E12345');
  });

  test('refuses output beyond the cap', async () => {
    const bomb = deflateRawSync(Buffer.alloc(MAX_INFLATED_BYTES + 1, 48));
    await assert.rejects(inflateRaw(bomb), { code: 'malformed', message: /beyond/ });
    assert.equal((await inflateRaw(deflateRawSync(Buffer.alloc(MAX_INFLATED_BYTES, 48)))).length, MAX_INFLATED_BYTES);
  });

  for (const [name, bytes] of [
    ['garbage', Buffer.from([0xff, 0xfe, 0x00, 0x12])],
    ['a stream cut short', deflateRawSync(Buffer.from(JSON.stringify(SERVER_TOKEN.claims))).subarray(0, 20)],
    ['a zlib (not raw) stream', deflateSync(Buffer.from('{}'))],
  ]) {
    test(`refuses ${name} as malformed`, async () => {
      await assert.rejects(inflateRaw(bytes), { code: 'malformed' });
    });
  }
});

test('plates are compared as the server normalises them', () => {
  assert.equal(normalizePlate('桂ｅ·１２３４５'), '桂E12345');
  assert.equal(normalizePlate(' 桂E-123.45 '), '桂E12345');
});
