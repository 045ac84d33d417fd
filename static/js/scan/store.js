// What the page keeps on the phone: scans made offline (IndexedDB, until uploaded) and the
// last good copy of the data it needs offline (Cache Storage, shared with the service worker).

export const DATA_CACHE = 'lp-scan-data-v1';
const DB_NAME = 'lp-scan';
const QUEUE = 'queue';

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let opened = null;

function database() {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(QUEUE, { keyPath: 'id' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opened;
}

async function queueStore(mode) {
  return (await database()).transaction(QUEUE, mode).objectStore(QUEUE);
}

/** Keep a scan record until the server has it; `id` is a client-made UUID. */
export async function enqueueScan(record) {
  await request((await queueStore('readwrite')).put(record));
}

/** The scan records not yet uploaded, oldest first. */
export async function pendingScans() {
  const records = await request((await queueStore('readonly')).getAll());
  return records.sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
}

/** Forget records the server has stored. */
export async function forgetScans(ids) {
  const store = await queueStore('readwrite');
  await Promise.all(ids.map((id) => request(store.delete(id))));
}

/** Keep a copy of a good GET response for offline use. */
export async function keepResponse(url, response) {
  if (!('caches' in globalThis)) return;
  const cache = await caches.open(DATA_CACHE);
  await cache.put(url, response.clone());
}

/** The last kept copy of a GET response, or undefined. */
export async function keptResponse(url) {
  if (!('caches' in globalThis)) return undefined;
  return (await caches.open(DATA_CACHE)).match(url);
}
