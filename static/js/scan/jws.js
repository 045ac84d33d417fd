// The pass QR text and its ES256 compact JWS, checked with WebCrypto and inflated with the
// browser's own DecompressionStream. No DOM here: node:test imports this module as the
// browser does.

export const QR_PREFIX = 'LP:/';
const DIGIT_OFFSET = 45; // SMART Health Cards: each character as its code minus 45, two digits
const JWS_CHARS = /^[A-Za-z0-9_.-]+$/;
const COMPACT_JWS = /^[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
const ES256 = { name: 'ECDSA', namedCurve: 'P-256' };
const ES256_VERIFY = { name: 'ECDSA', hash: 'SHA-256' };
// As core/crypto.py: claims inflate to about 200 bytes, so more is a decompression bomb.
export const MAX_INFLATED_BYTES = 8192;

/** A refused token; `code` is the contract's reason code. */
export class TokenError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

/** The compact JWS inside a pass QR text, or TokenError('malformed'). */
export function jwsFromQrText(text) {
  if (typeof text !== 'string' || !text.startsWith(QR_PREFIX)) {
    throw new TokenError('malformed', `missing prefix ${QR_PREFIX}`);
  }
  const digits = text.slice(QR_PREFIX.length);
  if (!/^[0-9]+$/.test(digits) || digits.length % 2) {
    throw new TokenError('malformed', 'expected an even number of digits after the prefix');
  }
  let jws = '';
  for (let i = 0; i < digits.length; i += 2) {
    jws += String.fromCharCode(Number(digits.slice(i, i + 2)) + DIGIT_OFFSET);
  }
  if (!JWS_CHARS.test(jws)) throw new TokenError('malformed', 'a digit pair is outside base64url');
  return jws;
}

/** Bytes of unpadded base64url text; throws TokenError('malformed') on anything else. */
export function base64UrlBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new TokenError('malformed', 'bad base64url');
  }
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** A JSON object from UTF-8 bytes (claims carry CJK as UTF-8, not \u escapes). */
export function jsonObject(bytes) {
  let value;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new TokenError('malformed', 'not UTF-8 JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenError('malformed', 'not a JSON object');
  }
  return value;
}

/**
 * Inflate one whole raw DEFLATE (RFC 1951) stream, refusing more than maxBytes of output.
 * Throws TokenError('malformed') on a broken, cut short or oversized stream, or on any byte
 * after the stream's end, as core/crypto.py _inflated does.
 */
export async function inflateRaw(bytes, maxBytes = MAX_INFLATED_BYTES) {
  const inflated = await inflateStream(bytes, maxBytes);
  if (await endsEarly(bytes, maxBytes)) {
    throw new TokenError('malformed', 'the payload is not one whole DEFLATE stream');
  }
  return inflated;
}

/**
 * Whether the DEFLATE stream in `bytes` ends before their last byte. Browsers refuse data
 * after the stream, as the Compression Streams spec says, but Node 20 ignores it, so this
 * asks in a way both answer alike: a stream's last bit always lies in its last byte, so the
 * bytes less the last one inflate only if that byte (at least) came after the stream.
 */
async function endsEarly(bytes, maxBytes) {
  if (bytes.length === 0) return false;
  try {
    await inflateStream(bytes.subarray(0, -1), maxBytes);
    return true;
  } catch (error) {
    if (error instanceof TokenError) return false;
    throw error;
  }
}

/** The browser's own inflater: whatever it makes of `bytes`, up to maxBytes. */
async function inflateStream(bytes, maxBytes) {
  const reader = new Blob([bytes]).stream()
    .pipeThrough(new DecompressionStream('deflate-raw')).getReader();
  const chunks = [];
  let size = 0;
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      size += chunk.value.length;
      if (size > maxBytes) {
        reader.cancel().catch(() => {});
        throw new TokenError('malformed', `the payload inflates beyond ${maxBytes} bytes`);
      }
      chunks.push(chunk.value);
    }
  } catch (error) {
    if (error instanceof TokenError) throw error;
    throw new TokenError('malformed', 'the payload is not raw DEFLATE');
  }
  const inflated = new Uint8Array(size);
  chunks.reduce((offset, chunk) => (inflated.set(chunk, offset), offset + chunk.length), 0);
  return inflated;
}

/** The claims of a pass token's payload bytes: inflated when the header says "zip": "DEF". */
export async function payloadObject(header, payload) {
  if (!('zip' in header)) return jsonObject(payload);
  if (header.zip !== 'DEF') throw new TokenError('malformed', `unknown zip ${header.zip}`);
  return jsonObject(await inflateRaw(payload));
}

/**
 * The three decoded segments of a compact JWS, before any key or signature is looked at
 * (RFC 7515 section 5.2): text whose segments are not all base64url is no JWS, so malformed.
 * core/crypto.py _decoded_segments is its twin.
 */
export function splitJws(jws) {
  if (typeof jws !== 'string' || !COMPACT_JWS.test(jws)) {
    throw new TokenError('malformed', 'not a compact JWS');
  }
  const [head, body, signature] = jws.split('.');
  const header = jsonObject(base64UrlBytes(head));
  if ('kid' in header && typeof header.kid !== 'string') {
    throw new TokenError('malformed', 'kid is not a string');
  }
  return {
    header,
    payload: base64UrlBytes(body),
    signature: base64UrlBytes(signature),
    signingInput: new TextEncoder().encode(`${head}.${body}`),
  };
}

/** Import the EC P-256 keys of a JWKS as a Map kid -> CryptoKey, skipping any other key. */
export async function importKeys(jwks, subtle = globalThis.crypto.subtle) {
  const keys = new Map();
  for (const jwk of (jwks && Array.isArray(jwks.keys)) ? jwks.keys : []) {
    if (!jwk || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.kid !== 'string') continue;
    try {
      const { kty, crv, x, y } = jwk;
      keys.set(jwk.kid, await subtle.importKey('jwk', { kty, crv, x, y }, ES256, false, ['verify']));
    } catch {
      // A damaged key in a published set must not hide the good ones.
    }
  }
  return keys;
}

/**
 * Verify an ES256 compact JWS against imported keys and return {header, claims}.
 * With `deflate` (a pass token) the header must say "zip": "DEF" and the payload is inflated
 * after the signature is checked; without it (the offline bundle) the payload is plain JSON.
 * Throws TokenError with code malformed, bad_signature, key_revoked or unknown_key.
 */
export async function verifyJws(jws, keys, {
  revokedKids = [], subtle = globalThis.crypto.subtle, deflate = false,
} = {}) {
  const { header, payload, signature, signingInput } = splitJws(jws);
  if (header.alg !== 'ES256') throw new TokenError('bad_signature', `algorithm ${header.alg} is not ES256`);
  if (revokedKids.includes(header.kid)) throw new TokenError('key_revoked', `key ${header.kid} is revoked`);
  const key = keys.get(header.kid);
  if (!key) throw new TokenError('unknown_key', `no published key ${header.kid}`);
  // JWS carries the raw r||s pair, the very form WebCrypto verifies.
  const valid = signature.length === 64
    && await subtle.verify(ES256_VERIFY, key, signature, signingInput);
  if (!valid) throw new TokenError('bad_signature', 'signature does not verify');
  // Genuine, but in the other format: a pass token from before compression, or the reverse.
  if (('zip' in header) !== deflate) {
    throw new TokenError('malformed', deflate ? '"zip": "DEF" expected' : 'unexpected zip header');
  }
  return { header, claims: await payloadObject(header, payload) };
}
