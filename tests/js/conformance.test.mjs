// The conformance corpus (conformance/) judged by the scanning page's offline rules
// (static/js/scan/rules.js): the committed QR texts, bundles and keys exactly as given, at the
// corpus's fixed clock. Nothing is signed here; tests/unit/test_conformance.py reads the same
// bytes with the Python rules.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';

import { importKeys, verifyJws } from '../../static/js/scan/jws.js';
import { checkOffline, openBundle, passKeys } from '../../static/js/scan/rules.js';

const CORPUS = new URL('../../conformance/', import.meta.url);
const read = (path) => readFile(new URL(path, CORPUS), 'utf8');
const MANIFEST = JSON.parse(await read('manifest.json'));
const HOME_JWKS = JSON.parse(await read(MANIFEST.home_issuer.jwks));
// What this verifier does of the corpus's requirements: every one.
const MET = new Set(['federation']);

// The other issuers on the trust list, with the case's feed of its issuer, in the shape a
// checkpoint's offline bundle carries them (federation/peers.py); both verified first.
async function otherIssuers(vector) {
  const anchor = await importKeys(JSON.parse(await read(MANIFEST.trust_anchor)));
  const { claims: list } = await verifyJws((await read(MANIFEST.trust_list)).trim(), anchor);
  const issuers = {};
  for (const { area, name, jwks } of list.issuers) {
    if (area === MANIFEST.home_issuer.area) continue;
    let feed = null;
    if (vector.feed) {
      const { claims } = await verifyJws((await read(vector.feed)).trim(), await importKeys(jwks));
      if (claims.issuer === area) feed = claims;
    }
    issuers[area] = { name, jwks, feed };
  }
  return issuers;
}

async function judge(vector) {
  const bundle = await openBundle(await read(vector.bundle), await passKeys(HOME_JWKS, null));
  const keys = await passKeys(HOME_JWKS, bundle);
  return checkOffline({
    qr: await read(vector.qr),
    plate: vector.plate_seen,
    now: vector.clock,
    keys,
    bundle: { ...bundle, area: MANIFEST.home_issuer.area, issuers: await otherIssuers(vector) },
    area: vector.checkpoint_area,
  });
}

describe('conformance corpus, offline rules', () => {
  for (const vector of MANIFEST.cases) {
    const missing = vector.requires.filter((need) => !MET.has(need));
    const skip = missing.length ? `pending: needs ${missing.join(', ')}` : false;
    test(`${vector.name}: ${vector.description}`, { skip }, async () => {
      const result = await judge(vector);
      // Worst first, in the registry's order: compared as a list, not a set.
      assert.deepEqual({ verdict: result.verdict, reasons: result.reasons }, vector.expected);
    });
  }

  test('name only requirements the manifest declares', () => {
    const declared = new Set(MANIFEST.requirements);
    for (const vector of MANIFEST.cases) {
      for (const need of vector.requires) assert.ok(declared.has(need), `${vector.name}: ${need}`);
    }
  });
});
