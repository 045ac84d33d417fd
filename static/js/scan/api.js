// The server, as the scanning page sees it: /api/v1 with a short-lived bearer token (the API
// never reads the session cookie), the server's clock, and last good copies for offline use.

import { keepResponse, keptResponse } from './store.js';

/** The network or the server is out of reach: time to work offline. */
export class Unreachable extends Error {}

/** The server answered with a refusal; `status` and `body` say which. */
export class Refused extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** The session cookie has expired: the officer must sign in again. */
export class SignedOut extends Error {}

const JSON_HEADERS = { Accept: 'application/json' };
const TOKEN_MARGIN_MS = 60_000;

async function send(url, init = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', ...init });
  } catch {
    throw new Unreachable(url);
  }
  // A proxy or a restarting server is the network failing, not a verdict.
  if ([502, 503, 504].includes(response.status)) throw new Unreachable(url);
  return response;
}

async function bodyOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

export function createApi({ sessionUrl, tokenUrl, csrf }) {
  let csrfToken = csrf;
  let token = null;
  let tokenExpires = 0;
  let clockOffsetMs = Number(localStorage.getItem('lp.clockOffsetMs')) || 0;

  /** Ask the server for its clock (and a fresh CSRF token); returns the offset in ms. */
  async function syncClock() {
    const sent = Date.now();
    const response = await send(sessionUrl, { headers: JSON_HEADERS, cache: 'no-store' });
    const received = Date.now();
    if (response.status === 401) throw new SignedOut();
    if (!response.ok) throw new Refused(response.status, await bodyOf(response));
    const body = await response.json();
    csrfToken = body.csrf_token;
    clockOffsetMs = Date.parse(body.now) - (sent + received) / 2;
    localStorage.setItem('lp.clockOffsetMs', String(clockOffsetMs));
    return clockOffsetMs;
  }

  async function newToken(retry = true) {
    const response = await send(tokenUrl, {
      method: 'POST', headers: { ...JSON_HEADERS, 'X-CSRFToken': csrfToken },
    });
    if (response.status === 401) throw new SignedOut();
    if (response.status === 400 && retry) {
      await syncClock(); // the page came from cache with a stale CSRF token
      return newToken(false);
    }
    if (!response.ok) throw new Refused(response.status, await bodyOf(response));
    const body = await response.json();
    token = body.access_token;
    tokenExpires = Date.now() + body.expires_in * 1000;
  }

  let renewing = null;

  async function bearer() {
    if (!token || Date.now() > tokenExpires - TOKEN_MARGIN_MS) {
      // Calls that start together share one new token.
      renewing ??= newToken().finally(() => { renewing = null; });
      await renewing;
    }
    return token;
  }

  /** Call /api/v1 and return the JSON body; a lapsed token is renewed once. */
  async function call(method, url, body, retry = true) {
    const headers = { ...JSON_HEADERS, Authorization: `Bearer ${await bearer()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await send(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
    });
    if (response.status === 401 && retry) {
      token = null;
      return call(method, url, body, false);
    }
    if (!response.ok) throw new Refused(response.status, await bodyOf(response));
    if (method === 'GET') await keepResponse(url, response);
    return response.json();
  }

  /** A GET from the server if it answers, else the last kept copy, else Unreachable. */
  async function getKept(url, { auth = true } = {}) {
    try {
      if (auth) return { body: await call('GET', url), fresh: true };
      const response = await send(url, { headers: JSON_HEADERS, cache: 'no-cache' });
      if (!response.ok) throw new Refused(response.status, await bodyOf(response));
      await keepResponse(url, response);
      return { body: await response.json(), fresh: true };
    } catch (error) {
      if (!(error instanceof Unreachable || error instanceof SignedOut)) throw error;
      const kept = await keptResponse(url);
      if (!kept) throw error;
      return { body: await kept.json(), fresh: false };
    }
  }

  return {
    syncClock,
    call,
    getKept,
    /** The server's time as best known, in ms since the epoch. */
    now: () => Date.now() + clockOffsetMs,
    clockOffsetMs: () => clockOffsetMs,
  };
}
