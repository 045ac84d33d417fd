// The scanning page's offline path for a Python test: reads {qr, now, area, plate, jwks,
// bundle_jws} as JSON on stdin, opens the bundle and decides as OfflineDesk does, and prints
// {verdict, reasons, enterprise} as JSON.
import { checkOffline, openBundle, passKeys } from '../../../static/js/scan/rules.js';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const bundle = await openBundle(input.bundle_jws, await passKeys(input.jwks, null));
const keys = await passKeys(input.jwks, bundle);
const { verdict, reasons, enterprise } = await checkOffline({
  qr: input.qr, plate: input.plate || null, now: input.now, keys, bundle, area: input.area,
});
process.stdout.write(JSON.stringify({ verdict, reasons, enterprise }));
