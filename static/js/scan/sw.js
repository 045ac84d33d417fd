// Service worker of the scanning page, served as /checkpoint/sw.js so that its scope is
// /checkpoint/. It keeps the page, its CSS and scripts and zxing-wasm, so the page opens
// with no network. The JWKS and the offline bundle are kept by the page itself
// (store.js, cache "lp-scan-data-v1"), because fetching the bundle needs its bearer token.

const SHELL_CACHE = 'lp-scan-shell-v1';
const NETWORK_WAIT_MS = 4000;
const SHELL = [
  '/checkpoint/scan',
  '/static/css/app.css',
  '/static/css/scan.css',
  ...['scan', 'api', 'awake', 'camera', 'offline', 'rules', 'reasons', 'jws', 'sound', 'store',
    'verdict']
    .map((name) => `/static/js/scan/${name}.js`),
];
const NETWORK_FIRST = [/^\/checkpoint\/scan$/, /^\/static\//];
const CACHE_FIRST = [/^\/vendor\/zxing\//]; // the version is in the path: never changes

async function keep(urls) {
  const cache = await caches.open(SHELL_CACHE);
  // One by one: a file that fails (say, the page after the session ended) must not stop the rest.
  await Promise.all(urls.map(async (url) => {
    try {
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-cache' });
      if (response.ok && !response.redirected) await cache.put(url, response);
    } catch {
      // offline during install: the next visit fills it in
    }
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil(keep(SHELL).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names.filter((name) => name.startsWith('lp-scan-shell-') && name !== SHELL_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

// The page sends the URLs only it knows, such as zxing-wasm's versioned ones.
self.addEventListener('message', (event) => {
  const urls = event.data && Array.isArray(event.data.keep) ? event.data.keep : [];
  const local = urls.filter((url) => new URL(url, self.location.origin).origin === self.location.origin);
  event.waitUntil(keep(local));
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('network too slow')), ms);
    promise.then((value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); });
  });
}

async function networkFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    if (response.ok && response.type === 'basic' && !response.redirected) {
      await cache.put(new URL(request.url).pathname, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(new URL(request.url).pathname);
    if (kept) return kept;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const kept = await cache.match(request.url);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request.url, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (CACHE_FIRST.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(cacheFirst(event.request));
  } else if (NETWORK_FIRST.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(event.request));
  }
});
