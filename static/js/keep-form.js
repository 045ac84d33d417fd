// What was typed survives a form the server could not take. When a page was open so long that
// its CSRF token expired, or the session ended in another tab, the send is refused and nothing
// is stored; the user must not have to type a pass application again. Each form's fields are
// kept in this tab's sessionStorage as it is sent; the refusal page (or the sign-in after it)
// comes back with ?restore=1, which puts them back. Passwords and files are never kept, and
// signing out forgets everything kept.

const PREFIX = 'lp.form:';
const NEVER_KEPT = new Set(['password', 'file', 'hidden', 'submit', 'button', 'reset']);

function storageKey(form) {
  return PREFIX + location.pathname + ':' + (form.id || form.getAttribute('action') || '');
}

function keptFields(form) {
  return [...form.elements].filter((field) => field.name && !NEVER_KEPT.has(field.type));
}

function keep(form) {
  const values = keptFields(form).map((field) => (
    field.type === 'checkbox' || field.type === 'radio'
      ? [field.name, field.value, field.checked] : [field.name, field.value]));
  sessionStorage.setItem(storageKey(form), JSON.stringify(values));
}

/** Put kept values back, field by field in page order; true if anything was kept. */
function restore(form) {
  const stored = sessionStorage.getItem(storageKey(form));
  if (!stored) return false;
  const queues = new Map();
  for (const [name, ...value] of JSON.parse(stored)) {
    if (!queues.has(name)) queues.set(name, []);
    queues.get(name).push(value);
  }
  for (const field of keptFields(form)) {
    const next = queues.get(field.name)?.shift();
    if (!next) continue;
    if (field.type === 'checkbox' || field.type === 'radio') field.checked = next[1];
    else field.value = next[0];
    field.dispatchEvent(new Event('input', { bubbles: true }));
  }
  return true;
}

function forgetAll() {
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
  }
}

const restoring = new URLSearchParams(location.search).has('restore');
let restored = false;
for (const form of document.querySelectorAll('form[method="post" i]')) {
  if (form.hasAttribute('data-sign-out')) {
    form.addEventListener('submit', forgetAll);
    continue;
  }
  if (restoring) restored = restore(form) || restored;
  form.addEventListener('submit', () => keep(form));
}
const note = document.getElementById('restored-note');
if (restored && note) note.hidden = false;
