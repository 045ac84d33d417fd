// The scanning page: pick a checkpoint, scan (camera or typed), show the verdict full-screen.
// Online the server decides; without the network the offline desk does, and uploads later.

import { Refused, SignedOut, Unreachable, createApi } from './api.js';
import { Camera } from './camera.js';
import { OfflineDesk } from './offline.js';
import { keepScreenOn } from './awake.js';
import { beep, unlockSound, vibrate } from './sound.js';
import { VerdictView, claimsOf, factsFrom } from './verdict.js';

const CHECKPOINTS_URL = '/api/v1/checkpoints';
const VERIFY_URL = '/api/v1/verify';
const CHECKPOINT_KEY = 'lp.checkpoint';
const REFRESH_MS = 5 * 60_000;
const SYNC_MS = 60_000;
const CLOCK_LIMIT_MS = 30_000;
const SAME_CODE_QUIET_MS = 3_000;

const $ = (id) => document.getElementById(id);
const root = $('scanner');
const settings = root.dataset;
const texts = JSON.parse($('scan-texts').textContent);
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => values[name]);
const timeFormat = (options) => new Intl.DateTimeFormat(settings.locale, {
  timeZone: settings.timezone, hour12: false, ...options,
});
const clockTime = timeFormat({ hour: '2-digit', minute: '2-digit', second: '2-digit' });
const shortTime = timeFormat({ hour: '2-digit', minute: '2-digit' });

const api = createApi({ sessionUrl: settings.sessionUrl, tokenUrl: settings.tokenUrl, csrf: settings.csrf });
const desk = new OfflineDesk(api);
const view = new VerdictView($('verdict'), {
  texts, counties: JSON.parse($('scan-counties').textContent), province: settings.province,
  locale: settings.locale, timeZone: settings.timezone,
});
const camera = new Camera($('camera-video'), {
  moduleUrl: settings.zxing, wasmUrl: settings.wasm, onCode: scanned,
  onReaderError: () => say(texts.reader_unavailable),
});
const state = { checkpoint: '', online: navigator.onLine, busy: false, last: null, resumedAt: 0 };

function say(text) {
  $('camera-state').textContent = text;
}

function setOnline(online) {
  state.online = online;
  const chip = $('network');
  chip.dataset.state = online ? 'online' : 'offline';
  chip.textContent = online ? texts.online : texts.offline;
  showOfflineNote();
}

function offlineLabel() {
  // Judged offline because the server refused the session, not the network: say so first.
  if (!$('session-warning').hidden) return texts.signed_out_offline;
  if (desk.asOf === null) return texts.offline_no_data;
  return fill(texts.offline_as_of, { time: shortTime.format(desk.asOf) });
}

function showOfflineNote() {
  $('offline-note').hidden = state.online;
  $('offline-note').textContent = offlineLabel();
}

async function showQueue() {
  const count = await desk.queued();
  $('queue-note').hidden = count === 0;
  $('queue-note').textContent = fill(texts.queued, { count });
}

async function syncWithServer() {
  try {
    const offset = await api.syncClock();
    $('clock-warning').hidden = Math.abs(offset) <= CLOCK_LIMIT_MS;
    $('clock-warning').textContent = fill(texts.clock_off, { seconds: Math.round(Math.abs(offset) / 1000) });
    setOnline(true);
    await desk.upload();
  } catch (error) {
    if (error instanceof SignedOut) $('session-warning').hidden = false;
    else if (error instanceof Unreachable) setOnline(false);
    else throw error;
  } finally {
    await showQueue();
  }
}

async function loadCheckpoints() {
  const select = $('checkpoint');
  let list = [];
  try {
    list = (await api.getKept(CHECKPOINTS_URL)).body.filter((checkpoint) => checkpoint.active);
  } catch (error) {
    console.warn('checkpoints unavailable', error);
  }
  select.append(...list.map(({ name, code }) => new Option(`${name} (${code})`, code)));
  // A checkpoint tapped on "my checkpoints" wins over the one used last time.
  const asked = new URLSearchParams(location.search).get('checkpoint');
  const remembered = localStorage.getItem(CHECKPOINT_KEY);
  const staffed = (code) => list.some((c) => c.code === code);
  const chosen = staffed(asked) ? asked : staffed(remembered) ? remembered : list.length === 1 ? list[0].code : '';
  select.value = chosen;
  if (!list.length) say(texts.no_checkpoints);
  chooseCheckpoint(chosen);
}

function chooseCheckpoint(code) {
  state.checkpoint = code;
  if (!code) return say(texts.choose_checkpoint);
  localStorage.setItem(CHECKPOINT_KEY, code);
  if (!camera.stream) startCamera();
}

async function startCamera() {
  say(texts.camera_starting);
  try {
    await camera.start();
    keepScreenOn();
    say(texts.camera_scanning);
    $('torch').hidden = !camera.canTorch;
    $('switch-camera').hidden = !camera.canSwitch;
  } catch (error) {
    console.warn('camera unavailable', error);
    say(texts.camera_unavailable);
  }
}

function scanned(qr) {
  const repeat = qr === state.last?.qr && Date.now() - state.resumedAt < SAME_CODE_QUIET_MS;
  if (!repeat) verify(qr);
}

async function verify(qr, { plate = null, confirmed = false } = {}) {
  if (state.busy) return;
  if (!state.checkpoint) {
    $('checkpoint').focus();
    return say(texts.choose_checkpoint);
  }
  state.busy = true;
  performance.mark('lp:verify');
  camera.pause();
  say(texts.verifying);
  try {
    const outcome = await decide(qr, plate);
    state.last = { qr, plate: outcome.facts && outcome.facts.plate };
    view.show({ ...outcome, plateSeen: plate, plateConfirmed: confirmed });
    performance.mark('lp:verdict');
    beep(outcome.verdict);
    vibrate(outcome.verdict);
  } catch (error) {
    if (!(error instanceof Refused)) throw error;
    say(fill(texts.not_allowed, { message: error.message }));
    camera.resume();
  } finally {
    state.busy = false;
  }
}

async function decide(qr, plate) {
  if (state.online) {
    try {
      const request = { qr, checkpoint: state.checkpoint, ...(plate ? { plate } : {}) };
      const body = await api.call('POST', VERIFY_URL, request);
      performance.mark('lp:answered');
      const facts = body.pass ? factsFrom(body.pass, await claimsOf(qr)) : null;
      const { verdict, reasons, enterprise } = body;
      return {
        verdict, reasons, facts, enterprise, offlineAsOf: null,
        earlier: body.earlier_scan, replacedBy: body.replaced_by,
      };
    } catch (error) {
      if (!(error instanceof Unreachable || error instanceof SignedOut)) throw error;
      if (error instanceof SignedOut) $('session-warning').hidden = false;
      setOnline(false);
    }
  }
  const result = await desk.verify({ qr, plate, checkpoint: state.checkpoint, nowMs: api.now() });
  showQueue();
  const facts = result.claims ? factsFrom(null, result.claims, result.crew) : null;
  const words = reasonWords(facts && facts.kind, result.onlyCrewPositive);
  return {
    verdict: result.verdict,
    reasons: result.reasons.map((code) => ({ code, message: words[code] })),
    facts,
    enterprise: result.enterprise,
    offlineAsOf: offlineLabel(),
  };
}

// The server words some reasons otherwise for a supply-staff pass, or when they are said of a
// crew member (message_for): so here.
function reasonWords(kind, ofCrew) {
  const words = kind === 'personnel' ? { ...texts.reasons, ...texts.personnel_reasons }
    : texts.reasons;
  return ofCrew ? { ...words, ...texts.crew_reasons } : words;
}

function backToScanning() {
  performance.clearMarks(); // the lp:* timing marks of the scan just shown
  view.hide();
  state.resumedAt = Date.now();
  camera.resume();
  say(camera.stream ? texts.camera_scanning : texts.camera_unavailable);
}

function wire() {
  $('checkpoint').addEventListener('change', (event) => chooseCheckpoint(event.target.value));
  $('manual').addEventListener('submit', (event) => {
    event.preventDefault();
    const code = $('manual-code').value.trim();
    if (!code) return;
    if (!state.checkpoint) { // the code stays typed until a checkpoint is chosen
      $('checkpoint').focus();
      return say(texts.choose_checkpoint_first);
    }
    $('manual-code').value = '';
    verify(code);
  });
  $('scan-next').addEventListener('click', backToScanning);
  $('plate-confirm').addEventListener('click', () => {
    verify(state.last.qr, { plate: state.last.plate, confirmed: true });
  });
  $('plate-fix').addEventListener('submit', (event) => {
    event.preventDefault();
    const plate = $('plate-seen').value.trim();
    if (plate) verify(state.last.qr, { plate });
  });
  $('torch').addEventListener('click', async () => {
    $('torch').setAttribute('aria-pressed', String(await camera.toggleTorch()));
  });
  $('switch-camera').addEventListener('click', () => {
    camera.switchCamera().catch(() => say(texts.camera_unavailable));
  });
  document.addEventListener('pointerdown', unlockSound);
  document.addEventListener('keydown', (event) => {
    unlockSound();
    // A hand scanner types like a keyboard: send its characters to the code field.
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
    if (event.key === 'Escape' && view.shown) return backToScanning();
    if (!typing && event.key.length === 1 && !event.ctrlKey && !event.metaKey) {
      if (view.shown) backToScanning();
      $('manual-code').focus();
    }
  });
  window.addEventListener('online', () => {
    setOnline(true);
    syncWithServer();
    desk.refresh().then(showOfflineNote);
  });
  window.addEventListener('offline', () => setOnline(false));
  // A phone in a pocket should not keep its camera on.
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) camera.stop();
    else if (state.checkpoint) startCamera();
  });
}

// The worker keeps the page, its scripts and zxing-wasm for a start with no network.
async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  try {
    await navigator.serviceWorker.register(settings.serviceWorker);
    const worker = (await navigator.serviceWorker.ready).active;
    const share = new URL('../share.js', new URL(settings.zxing, location.href)).pathname;
    worker.postMessage({ keep: [location.pathname, settings.zxing, share, settings.wasm] });
  } catch (error) {
    console.warn('no service worker', error);
  }
}

function tickClock() {
  $('server-time').textContent = clockTime.format(api.now());
}

async function start() {
  wire();
  setOnline(navigator.onLine);
  registerServiceWorker();
  tickClock();
  setInterval(tickClock, 1000);
  await syncWithServer();
  await loadCheckpoints();
  await desk.refresh();
  showOfflineNote();
  setInterval(syncWithServer, SYNC_MS); // also notices a server back before `online` fires
  setInterval(() => desk.refresh().then(showOfflineNote), REFRESH_MS);
  root.dataset.ready = 'true';
}

start();
