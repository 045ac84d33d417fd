// checkClaims (static/js/scan/rules.js): the one JS definition of well-formed pass claims.
// Its Python twin is check_claims in passtokens/tokens.py, tested with the same cases in
// tests/unit/test_pass_claims.py: keep the two lists alike.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { LATEST_TIME_S, checkClaims } from '../../static/js/scan/rules.js';

const VEHICLE = {
  jti: '450500000001', nbf: 1658275200, exp: 1658880000, t: 1658232000,
  k: 1, e: '91450500MA0000001X', n: '张*明', i: '002X', p: '桂E12345',
  c: 2, o: 450502, d: 450521,
};
const ABSENT = Symbol('absent');
const PERSONNEL = { ...changed(VEHICLE, { p: ABSENT, c: ABSENT }), k: 2 };

// [what is wrong, the claim it names, claims to change: ABSENT leaves one out]
const BROKEN = [
  ['no jti', 'jti', { jti: ABSENT }],
  ['jti a number', 'jti', { jti: 450500000001 }],
  ['jti of 11 digits', 'jti', { jti: '45050000001' }],
  ['jti of 13 digits', 'jti', { jti: '4505000000011' }],
  ['jti with a letter', 'jti', { jti: '45050000000X' }],
  ['jti of full-width digits', 'jti', { jti: '４５０５００００００００１' }],
  ['nbf a string', 'nbf', { nbf: '1658275200' }],
  ['nbf a fraction', 'nbf', { nbf: 1658275200.5 }],
  ['exp missing', 'exp', { exp: ABSENT }],
  ['exp beyond year 9999', 'exp', { exp: LATEST_TIME_S + 1 }],
  ['t negative', 't', { t: -1 }],
  ['t true', 't', { t: true }],
  ['k 3', 'k', { k: 3 }],
  ['k a string', 'k', { k: '1' }],
  ['k true', 'k', { k: true }],
  ['no e', 'e', { e: ABSENT }],
  ['n null', 'n', { n: null }],
  ['no i', 'i', { i: ABSENT }],
  ['i a number', 'i', { i: 1234 }],
  ['p a number', 'p', { p: 12345 }],
  ['no p on a vehicle pass', 'p', { p: ABSENT }],
  ['p null on a vehicle pass', 'p', { p: null }],
  ['c a string', 'c', { c: '2' }],
  ['c 0', 'c', { c: 0 }],
  ['no c on a vehicle pass', 'c', { c: ABSENT }],
  ['o of 7 digits', 'o', { o: 4505021 }],
  ['o 0', 'o', { o: 0 }],
  ['o a string', 'o', { o: '450502' }],
  ['d negative', 'd', { d: -450521 }],
  ['d a fraction', 'd', { d: 450521.5 }],
];
const BROKEN_PERSONNEL = [
  ['a plate on a personnel pass', 'p', { p: '桂E12345' }],
  ['a null plate on a personnel pass', 'p', { p: null }],
  ['cargo on a personnel pass', 'c', { c: 2 }],
];

/** The claims as JSON.parse would give them: own properties only, ABSENT ones left out. */
function changed(claims, changes) {
  return Object.fromEntries(Object.entries({ ...claims, ...changes }).filter(([, value]) => value !== ABSENT));
}

const refusedAs = (name) => ({ code: 'malformed', message: new RegExp(`claim ${name} `) });

describe('checkClaims', () => {
  for (const [label, claims] of [['vehicle', VEHICLE], ['personnel', PERSONNEL]]) {
    test(`${label} claims that fit the contract pass`, () => checkClaims(claims));
  }

  for (const [base, rows] of [[VEHICLE, BROKEN], [PERSONNEL, BROKEN_PERSONNEL]]) {
    for (const [what, name, changes] of rows) {
      test(`${what}: refused, naming ${name}`, () => {
        assert.throws(() => checkClaims(changed(base, changes)), refusedAs(name));
      });
    }
  }

  for (const name of ['nbf', 'o', 'c']) {
    test(`${name} beyond its range is refused`, () => {
      for (const value of [NaN, Infinity, -Infinity, 1e300, 2 ** 63]) {
        assert.throws(() => checkClaims({ ...VEHICLE, [name]: value }), refusedAs(name));
      }
    });
  }

  test('the first broken claim in the contract\'s order is named, as in Python', () => {
    assert.throws(() => checkClaims(changed(VEHICLE, { jti: 1, i: ABSENT, o: 4505021 })), refusedAs('jti'));
    assert.throws(() => checkClaims(changed(VEHICLE, { i: ABSENT, o: 4505021 })), refusedAs('i'));
  });

  test('integral numbers written with a fraction count as integers, as in Python', () => {
    checkClaims(JSON.parse(JSON.stringify(VEHICLE).replace('450502', '450502.0').replace('"k":1', '"k":1.0')));
  });

  test('an inherited property is not a claim', () => {
    const inherited = Object.create({ i: '002X' });
    Object.assign(inherited, changed(VEHICLE, { i: ABSENT }));
    assert.throws(() => checkClaims(inherited), refusedAs('i'));
  });
});
