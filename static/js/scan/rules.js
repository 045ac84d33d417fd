// The checkpoint rules for a scan made offline: the same table the server applies
// (shared/DESIGN.md "Checkpoint verdicts"), fed by the signed offline bundle.
// Pure: no DOM, no storage, no clock; node:test runs it against tests/vectors/verify.json.

import {
  TokenError, importKeys, jwsFromQrText, payloadObject, splitJws, verifyJws,
} from './jws.js';
import { REASON_CODES, REASON_VERDICTS } from './reasons.js';

export { REASON_CODES, TokenError, importKeys, jwsFromQrText };

/** The seeded colour policy (whitelist/reference.py); the bundle carries the deployment's own. */
export const DEFAULT_COLOUR_POLICY = {
  green: { verdict: 'pass', reason_code: null },
  yellow: { verdict: 'check', reason_code: 'enterprise_yellow' },
  red: { verdict: 'deny', reason_code: 'enterprise_red' },
};

export const TEST_WINDOW_S = 48 * 3600;
const SEVERITY = { pass: 0, check: 1, deny: 2 };
const PLATE_SEPARATORS = /[\s\-.·•‧・]+/gu; // as core/validators.normalize_plate

/** A plate as the server compares it: NFKC, no separators, upper case. */
export function normalizePlate(text) {
  return String(text).normalize('NFKC').replace(PLATE_SEPARATORS, '').toUpperCase();
}

/** The worst verdict the reasons call for; no reason at all is a pass. */
export function verdictFor(reasons, policy = DEFAULT_COLOUR_POLICY) {
  return reasons.reduce((worst, code) => {
    const verdict = reasonVerdict(code, policy);
    return SEVERITY[verdict] > SEVERITY[worst] ? verdict : worst;
  }, 'pass');
}

/** A reason's verdict: the colour policy's for a colour reason, else the registry's. */
export function reasonVerdict(code, policy = DEFAULT_COLOUR_POLICY) {
  const rule = Object.values(policy).find((row) => row.reason_code === code);
  return (rule && rule.verdict) || REASON_VERDICTS[code] || 'deny';
}

/** Each code once, worst first: by the verdict it calls for, then the registry's order. */
export function worstFirst(reasons, policy = DEFAULT_COLOUR_POLICY) {
  const rank = (code) => [-SEVERITY[reasonVerdict(code, policy)], REASON_CODES.indexOf(code)];
  return [...new Set(reasons)].sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || ra[1] - rb[1];
  });
}

/** Verify the offline bundle JWS with the JWKS keys and return its checked payload. */
export async function openBundle(jws, keys, { subtle } = {}) {
  const { claims } = await verifyJws(jws, keys, subtle ? { subtle } : {});
  const generatedAt = Date.parse(claims.generated_at);
  const shapeOk = Number.isFinite(generatedAt) && Number.isFinite(claims.max_age_s)
    && isMap(claims.colours) && isMap(claims.states)
    && Array.isArray(claims.revoked) && Array.isArray(claims.revoked_kids);
  if (!shapeOk) throw new TokenError('malformed', 'not an offline bundle');
  return { ...claims, generatedAtS: Math.floor(generatedAt / 1000) };
}

/** The keys to verify passes with: the JWKS plus a verified bundle's, less revoked kids. */
export async function passKeys(jwks, bundle, { subtle } = {}) {
  const keys = await importKeys(jwks, subtle);
  if (bundle && bundle.jwks) {
    for (const [kid, key] of await importKeys(bundle.jwks, subtle)) keys.set(kid, key);
  }
  for (const kid of (bundle && bundle.revoked_kids) || []) keys.delete(kid);
  return keys;
}

/**
 * Decide a scan without the server, as tests/vectors/verify.json describes.
 * qr: the decoded text; plate: what the officer saw, optional; now: seconds since the epoch;
 * keys: Map kid -> CryptoKey; bundle: the payload from openBundle, or null if there is none;
 * area: the checkpoint's county code, to compare with the route.
 * The registry (not_found) cannot be asked offline, so a genuine signature stands for it;
 * nor can other checkpoints' scans (possible_copy): the server judges those at upload.
 */
export async function checkOffline({
  qr, plate = null, now, keys, bundle = null, area = null, subtle,
}) {
  let jws;
  try {
    jws = jwsFromQrText(qr);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return result([error.code], null, null);
  }
  const issuer = await foreignIssuer(jws, bundle);
  if (issuer && !issuer.name) return result(['unknown_issuer'], null, null);
  if (issuer) return checkForeign({ jws, issuer, plate, now, area, bundle, subtle });
  const revokedKids = (bundle && bundle.revoked_kids) || [];
  let claims;
  try {
    ({ claims } = await verifyJws(jws, keys, {
      revokedKids, deflate: true, ...(subtle && { subtle }),
    }));
    checkClaims(claims);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return result([error.code], null, null);
  }
  const reasons = windowReasons(claims, now);
  // A revocation is final, so even a stale bundle's list still holds.
  if (bundle && bundle.revoked.includes(claims.jti)) reasons.push('revoked');
  // A handover is final too.
  if (bundle && (bundle.handed_over || []).includes(claims.jti)) reasons.push('handed_over');
  const enterprise = {
    code: claims.e, colour: null, state: null,
    name: own(bundle && bundle.names, claims.e), // `names` is optional, beyond the contract
  };
  const policy = (bundle && bundle.colour_policy) || DEFAULT_COLOUR_POLICY;
  // The holder as the bundle knows them now; a pass it does not list keeps its signed test.
  let holder = { health_code: 'green', test_sampled_at: claims.t };
  if (isFresh(bundle, now)) {
    enterprise.colour = own(bundle.colours, claims.e);
    enterprise.state = own(bundle.states, claims.e);
    reasons.push(...enterpriseReasons(enterprise, policy));
    holder = own(bundle.people, claims.jti) || holder;
    if (holder.health_code !== 'green') reasons.push('driver_not_green');
  } else {
    reasons.push('status_unknown');
  }
  // A crew member's positive test stops the vehicle as the holder's does (rule 9).
  const positive = Boolean(holder.test_positive || holder.crew_test_positive);
  if (positive) reasons.push('test_positive');
  const testWindow = (bundle && bundle.test_window_s) || TEST_WINDOW_S;
  // Exactly the window's age is still inside it; a positive test needs no age.
  if (!positive && now - holder.test_sampled_at > testWindow) reasons.push('test_expired');
  reasons.push(...sceneReasons(claims, plate, area, bundle && bundle.routes));
  // The crew is shown for the officer to compare; of their health, only a positive test counts.
  const crew = own(bundle && bundle.crew, claims.jti) || [];
  const onlyCrewPositive = Boolean(holder.crew_test_positive && !holder.test_positive);
  return { ...result(reasons, claims, enterprise, policy), crew, onlyCrewPositive };
}

/**
 * The issuer of another city's pass, as the bundle's trust list gives it: {area, name, jwks,
 * feed}, or {area} alone for an area not on the list; null for this city's own passes (and
 * for anything unreadable, which the local path then reports).
 */
async function foreignIssuer(jws, bundle) {
  if (!bundle || !bundle.area || !isMap(bundle.issuers)) return null;
  let number;
  try {
    const { header, payload } = splitJws(jws);
    number = (await payloadObject(header, payload)).jti;
  } catch {
    return null;
  }
  if (typeof number !== 'string' || !/^[0-9]{12}$/.test(number)) return null;
  const area = number.slice(0, 6);
  if (area === bundle.area) return null;
  return { area, ...own(bundle.issuers, area) };
}

/**
 * Another city's pass, as federation/foreign.py judges it: its issuer's keys, and its
 * issuer's feed for the live status. A feed older than its max_age_s still counts (a
 * revocation or a red colour does not get better with age) and adds issuer_status_stale.
 */
async function checkForeign({ jws, issuer, plate, now, area, bundle, subtle }) {
  const { feed } = issuer;
  let claims;
  try {
    const keys = await importKeys(issuer.jwks, subtle);
    ({ claims } = await verifyJws(jws, keys, {
      revokedKids: (feed && feed.revoked_kids) || [], deflate: true, ...(subtle && { subtle }),
    }));
    checkClaims(claims);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return result([error.code], null, null);
  }
  const reasons = windowReasons(claims, now);
  const enterprise = {
    code: claims.e, colour: null, state: null, name: null,
    issuer: { area: issuer.area, name: issuer.name },
  };
  const policy = (bundle && bundle.colour_policy) || DEFAULT_COLOUR_POLICY;
  if (feed) {
    if (feed.revoked.includes(claims.jti)) reasons.push('revoked');
    if ((feed.handed_over || []).includes(claims.jti)) reasons.push('handed_over');
    enterprise.colour = own(feed.colours, claims.e);
    enterprise.state = own(feed.states, claims.e);
    reasons.push(...enterpriseReasons(enterprise, policy));
    // The issuer does not clear the holder now: as a local holder whose code is not green.
    if (feed.holds.includes(claims.jti)) reasons.push('driver_not_green');
  }
  if (!feedIsFresh(feed, now)) reasons.push('issuer_status_stale');
  reasons.push(...sceneReasons(claims, plate, area, feed && feed.routes));
  return result(reasons, claims, enterprise, policy);
}

/** Whether an issuer's feed is at most its max_age_s old at `now` (seconds). */
export function feedIsFresh(feed, now) {
  return Boolean(feed) && now - Date.parse(feed.generated_at) / 1000 <= feed.max_age_s;
}

function windowReasons(claims, now) {
  const reasons = [];
  if (claims.nbf > now) reasons.push('not_yet_valid');
  if (claims.exp <= now) reasons.push('expired');
  return reasons;
}

/** What the officer sees against the signed facts: the plate, and the checkpoint's county. */
function sceneReasons(claims, plate, area, routes) {
  const reasons = [];
  if (plate && claims.p && normalizePlate(plate) !== normalizePlate(claims.p)) {
    reasons.push('plate_mismatch');
  }
  if (area) {
    const pad = (code) => String(code).padStart(6, '0');
    const route = [pad(claims.o), ...(own(routes, claims.jti) || []), pad(claims.d)];
    if (!route.includes(String(area))) reasons.push('off_route');
  }
  return reasons;
}

/** Whether the bundle's status may still be trusted at `now` (seconds). */
export function isFresh(bundle, now) {
  return Boolean(bundle) && now - bundle.generatedAtS <= bundle.max_age_s;
}

function enterpriseReasons({ state, colour }, policy) {
  const reasons = [];
  if (state !== 'approved') reasons.push('enterprise_not_whitelisted');
  if (colour) {
    const rule = own(policy, colour);
    // A colour nobody wrote a rule for: as the server, the status is unknown.
    if (!rule) reasons.push('status_unknown');
    else if (rule.reason_code) reasons.push(rule.reason_code);
  }
  return reasons;
}

// The one definition of well-formed pass claims (shared/CONTRACT.md, "The QR text";
// conformance/README.md lists them). Its twin is check_claims in passtokens/tokens.py: the same
// checks in the same order, so both rule engines refuse the same tokens. Change both.
const PASS_NUMBER = /^[0-9]{12}$/; // the issuer's area (6 digits), then a serial (6)
export const LATEST_TIME_S = 253402300799; // 9999-12-31T23:59:59Z, as far as Python's datetime goes
const VEHICLE = 1;
const ABSENT = Symbol('absent');

/** Throw TokenError('malformed') naming the first claim that does not fit the contract. */
export function checkClaims(claims) {
  requireClaim(claims, 'jti', isPassNumber);
  for (const name of ['nbf', 'exp', 't']) requireClaim(claims, name, isTime);
  requireClaim(claims, 'k', isKind);
  for (const name of ['e', 'n', 'i']) requireClaim(claims, name, isText);
  const vehicle = claims.k === VEHICLE;
  requireClaim(claims, 'p', vehicle ? isText : isAbsent);
  requireClaim(claims, 'c', vehicle ? isCargo : isAbsent);
  for (const name of ['o', 'd']) requireClaim(claims, name, isCounty);
}

function requireClaim(claims, name, fits) {
  if (!fits(Object.hasOwn(claims, name) ? claims[name] : ABSENT)) {
    throw new TokenError('malformed', `claim ${name} does not fit the contract`);
  }
}

/** An integral number from low to high (JSON.parse reads 7.0 as 7, as Python's check allows). */
const isInteger = (value, low, high) => Number.isInteger(value) && value >= low && value <= high;
const isPassNumber = (value) => typeof value === 'string' && PASS_NUMBER.test(value);
const isTime = (value) => isInteger(value, 0, LATEST_TIME_S);
const isKind = (value) => isInteger(value, 1, 2);
const isText = (value) => typeof value === 'string';
const isAbsent = (value) => value === ABSENT;
const isCargo = (value) => isInteger(value, 1, Number.MAX_SAFE_INTEGER);
const isCounty = (value) => isInteger(value, 1, 999999); // six digits, leading zeros and all

function result(reasons, claims, enterprise, policy = DEFAULT_COLOUR_POLICY) {
  const codes = worstFirst(reasons, policy);
  return { verdict: verdictFor(codes, policy), reasons: codes, claims, enterprise };
}

/** map[key] if the map itself holds it (never an inherited property), else null. */
function own(map, key) {
  return map && Object.hasOwn(map, key) ? map[key] : null;
}

function isMap(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
