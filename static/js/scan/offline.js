// Working without the network: the signed status snapshot and JWKS kept on the phone,
// verdicts from the shared rules, and scan records queued until the server takes them.

import { Refused, SignedOut, Unreachable } from './api.js';
import { checkOffline, isFresh, openBundle, passKeys } from './rules.js';
import { enqueueScan, forgetScans, pendingScans } from './store.js';

export const JWKS_URL = '/.well-known/jwks.json';
export const BUNDLE_URL = '/api/v1/offline-bundle';
const SCANS_URL = '/api/v1/scans';
const BATCH = 100;

const quiet = (error) => error instanceof Unreachable || error instanceof SignedOut;

export class OfflineDesk {
  constructor(api) {
    this.api = api;
    this.keys = new Map();
    this.bundle = null;
    this.uploading = null;
  }

  /** Fetch the JWKS and the bundle (or take the kept copies) and check the bundle's signature. */
  async refresh() {
    const jwks = await this.api.getKept(JWKS_URL, { auth: false }).catch(() => null);
    const bundle = await this.api.getKept(BUNDLE_URL).catch(() => null);
    if (!jwks) return;
    const keys = await passKeys(jwks.body, null);
    try {
      this.bundle = bundle ? await openBundle(bundle.body.jws, keys) : this.bundle;
    } catch (error) {
      console.warn('offline bundle refused', error);
    }
    this.keys = await passKeys(jwks.body, this.bundle);
  }

  /** When the status data was made, in ms, or null without any. */
  get asOf() {
    return this.bundle ? this.bundle.generatedAtS * 1000 : null;
  }

  isFresh(nowMs) {
    return isFresh(this.bundle, Math.floor(nowMs / 1000));
  }

  /** Decide a scan with the rules and the kept data, and queue its record for upload. */
  async verify({ qr, plate, checkpoint, nowMs }) {
    if (!this.keys.size) await this.refresh();
    performance.mark('lp:check');
    const result = await checkOffline({
      qr, plate, now: Math.floor(nowMs / 1000), keys: this.keys, bundle: this.bundle,
      area: (this.bundle && this.bundle.checkpoints && this.bundle.checkpoints[checkpoint]) || null,
    });
    performance.mark('lp:checked');
    await enqueueScan({
      id: crypto.randomUUID(), qr, checkpoint, verdict: result.verdict, reasons: result.reasons,
      scanned_at: new Date(nowMs).toISOString(), ...(plate ? { plate } : {}),
    });
    return result;
  }

  async queued() {
    return (await pendingScans()).length;
  }

  /** Send queued scans; the server stores each id once, so sending twice is harmless. */
  upload() {
    this.uploading ??= this.sendQueued().finally(() => { this.uploading = null; });
    return this.uploading;
  }

  async sendQueued() {
    const records = await pendingScans();
    for (let start = 0; start < records.length; start += BATCH) {
      const batch = records.slice(start, start + BATCH);
      try {
        await this.api.call('POST', SCANS_URL, { scans: batch });
        await forgetScans(batch.map((record) => record.id));
      } catch (error) {
        if (quiet(error)) return;
        if (!(error instanceof Refused && error.status === 422)) throw error;
        await this.sendOneByOne(batch);
      }
    }
  }

  // The server refuses a whole batch for one bad record: find it, and keep it for a person
  // to look at rather than lose it, while the others go through.
  async sendOneByOne(batch) {
    for (const record of batch) {
      try {
        await this.api.call('POST', SCANS_URL, { scans: [record] });
        await forgetScans([record.id]);
      } catch (error) {
        if (quiet(error)) return;
        console.warn('scan record refused by the server', record.id, error);
      }
    }
  }
}
