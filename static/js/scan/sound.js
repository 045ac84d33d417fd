// A short tone and a vibration per verdict, so the officer hears or feels it without looking:
// one high beep to pass, two middle beeps to check, one long low buzz to deny.

const TONES = {
  pass: [{ hz: 1320, start: 0, length: 0.14, wave: 'sine' }],
  check: [
    { hz: 740, start: 0, length: 0.13, wave: 'triangle' },
    { hz: 740, start: 0.2, length: 0.13, wave: 'triangle' },
  ],
  deny: [{ hz: 220, start: 0, length: 0.6, wave: 'square' }],
};

// Milliseconds on, off, on: the same rhythm as the tones.
const VIBRATIONS = { pass: [120], check: [120, 80, 120], deny: [600] };

let context = null;

/** Browsers only let sound start after a tap or a key: call this from one. */
export function unlockSound() {
  const AudioContextClass = globalThis.AudioContext || globalThis.webkitAudioContext;
  if (!AudioContextClass) return;
  context ??= new AudioContextClass();
  if (context.state === 'suspended') context.resume().catch(() => {});
}

export function beep(verdict) {
  if (!context || context.state !== 'running') return;
  const now = context.currentTime;
  for (const tone of TONES[verdict] || []) {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = tone.wave;
    oscillator.frequency.value = tone.hz;
    // A quick fade in and out: no click at either end.
    gain.gain.setValueAtTime(0.0001, now + tone.start);
    gain.gain.exponentialRampToValueAtTime(0.3, now + tone.start + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + tone.start + tone.length);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(now + tone.start);
    oscillator.stop(now + tone.start + tone.length + 0.02);
  }
}

/** Vibrate where the device can (phones; not iOS Safari, which has no vibration API). */
export function vibrate(verdict) {
  if (typeof navigator.vibrate === 'function') navigator.vibrate(VIBRATIONS[verdict] || []);
}
