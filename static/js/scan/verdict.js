// The verdict screen: colour, icon, word, reasons and the facts to compare, filling the screen.
// An outcome is the same whether the server or the offline rules decided it:
// {verdict, reasons: [{code, message}], facts, enterprise, offlineAsOf, plateConfirmed,
//  earlier: where and when a possible copy was scanned before, or absent;
//  replacedBy: the number of the pass that replaced a renewed one, or absent}.

import { jwsFromQrText, payloadObject, splitJws } from './jws.js';
import { UNREADABLE as UNREADABLE_CODES } from './reasons.js';

const UNREADABLE = new Set(UNREADABLE_CODES);

/** The signed facts of a QR text without checking its signature: only to fill in the display. */
export async function claimsOf(qr) {
  try {
    const { header, payload } = splitJws(jwsFromQrText(qr));
    return await payloadObject(header, payload);
  } catch {
    return null;
  }
}

/**
 * The facts to compare, from the server's `pass` when it sent one, else from the claims (and
 * the crew the offline bundle lists: the token does not sign them).
 */
export function factsFrom(serverPass, claims, bundleCrew = null) {
  const pass = serverPass || {};
  const c = claims || {};
  const time = (iso, seconds) => (iso ? Date.parse(iso) : seconds ? seconds * 1000 : null);
  return {
    number: pass.number ?? c.jti ?? null,
    kind: pass.kind ?? (c.k === 2 ? 'personnel' : 'vehicle'),
    plate: pass.plate ?? c.p ?? null,
    holder: pass.holder_name ?? c.n ?? null,
    idLast4: pass.id_last4 ?? c.i ?? null,
    origin: pass.origin ?? (c.o ? String(c.o).padStart(6, '0') : null),
    originName: pass.origin_name ?? null,
    destination: pass.destination ?? (c.d ? String(c.d).padStart(6, '0') : null),
    destinationName: pass.destination_name ?? null,
    validFrom: time(pass.valid_from, c.nbf),
    validUntil: time(pass.valid_until, c.exp),
    crew: pass.crew ?? bundleCrew ?? [],
  };
}

export class VerdictView {
  constructor(root, { texts, counties, province, locale, timeZone }) {
    this.root = root;
    this.texts = texts;
    this.counties = counties;
    this.province = province;
    this.dateTime = new Intl.DateTimeFormat(locale, {
      timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false,
    });
  }

  get shown() {
    return !this.root.hidden;
  }

  show(outcome) {
    const { root, texts } = this;
    root.dataset.verdict = outcome.verdict;
    root.querySelector('#verdict-word').textContent = texts.verdicts[outcome.verdict];
    const offline = root.querySelector('#verdict-offline');
    offline.hidden = outcome.offlineAsOf === null;
    offline.textContent = outcome.offlineAsOf === null ? '' : outcome.offlineAsOf;
    const list = root.querySelector('#verdict-reasons');
    list.replaceChildren(...outcome.reasons.map(({ code, message }) => {
      const item = document.createElement('li');
      item.dataset.code = code;
      item.textContent = message || texts.reasons[code] || code;
      return item;
    }));
    if (outcome.earlier) {
      const { name, checkpoint, scanned_at: at } = outcome.earlier;
      const text = texts.earlier_scan.replace('{place}', name || checkpoint)
        .replace('{time}', this.dateTime.format(Date.parse(at)));
      list.append(this.note(text, 'earlier-scan'));
    }
    if (outcome.replacedBy) {
      list.append(this.note(texts.replaced_by.replace('{number}', outcome.replacedBy), 'replaced-by'));
    }
    if (outcome.plateConfirmed) list.append(this.note(texts.plate_confirmed, 'plate-confirmed'));
    else if (outcome.plateSeen) {
      list.append(this.note(texts.plate_seen.replace('{plate}', outcome.plateSeen), 'plate-seen'));
    }
    const readable = outcome.facts && !outcome.reasons.some(({ code }) => UNREADABLE.has(code));
    root.querySelector('#verdict-facts').hidden = !readable;
    root.querySelector('#plate-tools').hidden = !readable || !outcome.facts.plate;
    if (readable) this.fillFacts(outcome.facts, outcome.enterprise);
    root.querySelector('#plate-seen').value = '';
    root.hidden = false;
    root.focus();
  }

  hide() {
    this.root.hidden = true;
    delete this.root.dataset.verdict;
  }

  note(text, code) {
    const item = document.createElement('li');
    item.className = 'verdict-note';
    item.dataset.code = code;
    item.textContent = text;
    return item;
  }

  fillFacts(facts, enterprise) {
    const put = (name, text) => {
      this.root.querySelector(`[data-fact="${name}"]`).textContent = text || '—';
    };
    const personnel = facts.kind === 'personnel';
    for (const label of this.root.querySelectorAll('dt[data-personnel]')) {
      label.textContent = personnel ? label.dataset.personnel : label.dataset.vehicle;
    }
    put('plate', personnel ? this.texts.personnel : facts.plate);
    const person = (name, last4) => [name, last4 && `**${last4}`].filter(Boolean).join(' ');
    put('holder', person(facts.holder, facts.idLast4));
    // Co-drivers and escorts, one to a line; the row is hidden on a pass without any.
    const crew = facts.crew || [];
    this.root.querySelector('#fact-crew').hidden = crew.length === 0;
    put('crew', crew.map((member) => person(member.name, member.id_last4)).join('\n'));
    // Every local route is inside the deployment's province: its name only adds length.
    const place = (code, name) => {
      const full = name || this.counties[code] || code;
      return this.province && full.startsWith(this.province) ? full.slice(this.province.length) : full;
    };
    put('route', `${place(facts.origin, facts.originName)} → ${place(facts.destination, facts.destinationName)}`);
    put('window', facts.validFrom && facts.validUntil
      ? `${this.dateTime.format(facts.validFrom)} – ${this.dateTime.format(facts.validUntil)}` : '');
    put('number', facts.number);
    const cell = this.root.querySelector('[data-fact="enterprise"]');
    cell.replaceChildren(document.createTextNode(this.enterpriseName(enterprise)));
    if (enterprise && enterprise.colour) {
      const badge = document.createElement('span');
      badge.className = `badge colour-${enterprise.colour}`;
      badge.textContent = this.texts.colours[enterprise.colour] || enterprise.colour;
      cell.append(' ', badge);
    }
  }

  /** The enterprise's name or code; another city's pass names its issuing city. */
  enterpriseName(enterprise) {
    if (!enterprise) return '—';
    if (enterprise.issuer) {
      return this.texts.issued_by.replace('{code}', enterprise.code).replace('{city}', enterprise.issuer.name);
    }
    return enterprise.name || enterprise.code || '—';
  }
}
