// The rear camera, decoded continuously: zxing-wasm (served by this app) on every frame,
// with the native BarcodeDetector tried first where the browser has one, as a speed-up.

const FRAME_GAP_MS = 120;
const MAX_SIDE = 960; // enough pixels for a version-12 code held at arm's length

async function loadZxing(moduleUrl, wasmUrl) {
  const zxing = await import(moduleUrl);
  await zxing.prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) },
    fireImmediately: true,
  });
  return zxing.readBarcodes;
}

async function nativeDetector() {
  if (!('BarcodeDetector' in globalThis)) return null;
  try {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    return formats.includes('qr_code') ? new globalThis.BarcodeDetector({ formats: ['qr_code'] }) : null;
  } catch {
    return null;
  }
}

// Timing marks (bench/bench_browser.py): only a frame that held a code leaves any.
function decoded(text, grabbedAt) {
  performance.mark('lp:frame', { startTime: grabbedAt });
  performance.mark('lp:decoded');
  return text;
}

export class Camera {
  constructor(video, { moduleUrl, wasmUrl, onCode, onReaderError }) {
    this.video = video;
    this.onCode = onCode;
    this.reader = loadZxing(moduleUrl, wasmUrl);
    this.readerFailed = false;
    this.reader.catch((error) => {
      this.readerFailed = true;
      onReaderError(error);
    });
    this.detector = nativeDetector();
    this.canvas = document.createElement('canvas');
    this.stream = null;
    this.paused = false;
    this.torchOn = false;
    this.devices = [];
  }

  /** Open a camera (the rear one unless deviceId says otherwise) and start decoding. */
  async start(deviceId = null) {
    this.stop();
    const video = deviceId
      ? { deviceId: { exact: deviceId } }
      : { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } };
    this.stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    this.video.srcObject = this.stream;
    await this.video.play();
    this.devices = (await navigator.mediaDevices.enumerateDevices())
      .filter((device) => device.kind === 'videoinput');
    this.torchOn = false;
    this.schedule();
  }

  stop() {
    clearTimeout(this.timer);
    if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
    this.stream = null;
  }

  pause() { this.paused = true; }

  resume() { this.paused = false; }

  get track() {
    return this.stream ? this.stream.getVideoTracks()[0] : null;
  }

  get canTorch() {
    const track = this.track;
    return Boolean(track && track.getCapabilities && track.getCapabilities().torch);
  }

  get canSwitch() {
    return this.devices.length > 1;
  }

  async toggleTorch() {
    this.torchOn = !this.torchOn;
    await this.track.applyConstraints({ advanced: [{ torch: this.torchOn }] });
    return this.torchOn;
  }

  /** Move on to the next camera of the device. */
  async switchCamera() {
    const current = this.track && this.track.getSettings().deviceId;
    const index = this.devices.findIndex((device) => device.deviceId === current);
    await this.start(this.devices[(index + 1) % this.devices.length].deviceId);
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), FRAME_GAP_MS);
  }

  async tick() {
    if (!this.stream) return;
    try {
      if (!this.paused && this.video.readyState >= 2) {
        const text = await this.decodeFrame();
        if (text && !this.paused) this.onCode(text);
      }
    } catch (error) {
      if (this.readerFailed) return; // onReaderError has told the officer
      console.warn('frame not decoded', error);
    }
    if (this.stream) this.schedule();
  }

  async decodeFrame() {
    const { videoWidth: width, videoHeight: height } = this.video;
    if (!width || !height) return null;
    const grabbedAt = performance.now();
    const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    this.canvas.width = Math.round(width * scale);
    this.canvas.height = Math.round(height * scale);
    const context = this.canvas.getContext('2d', { willReadFrequently: true });
    context.drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
    const detector = await this.detector;
    if (detector) {
      const found = await detector.detect(this.canvas).catch(() => []);
      if (found.length) return decoded(found[0].rawValue, grabbedAt);
    }
    const readBarcodes = await this.reader;
    const image = context.getImageData(0, 0, this.canvas.width, this.canvas.height);
    const results = await readBarcodes(image, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 });
    const valid = results.find((result) => result.isValid);
    return valid ? decoded(valid.text, grabbedAt) : null;
  }
}
