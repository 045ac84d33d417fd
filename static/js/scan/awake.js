// The screen stays on while the camera scans: an officer at a gate should not have to wake the
// phone between vehicles. Browsers drop the lock whenever the page is hidden, so the page asks
// again each time the camera starts.

let lock = null;

export async function keepScreenOn() {
  if (lock || !('wakeLock' in navigator)) return;
  try {
    lock = await navigator.wakeLock.request('screen');
    lock.addEventListener('release', () => { lock = null; });
  } catch (error) {
    // Refused (battery saver, page not visible): the phone sleeps as it normally would.
    console.warn('screen wake lock refused', error);
  }
}
