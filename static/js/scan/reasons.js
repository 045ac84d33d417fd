// Written from checkpoints/reasons.py by tests/vectors/generate_verify.py; don't edit.
// Every reason code, worst first, with the verdict it calls for (colour reasons: the
// seeded policy's; the bundle's colour_policy decides).

export const REASON_CODES = [
  'malformed',
  'bad_signature',
  'unknown_key',
  'key_revoked',
  'unknown_issuer',
  'not_found',
  'revoked',
  'handed_over',
  'expired',
  'not_yet_valid',
  'enterprise_not_whitelisted',
  'enterprise_red',
  'test_positive',
  'driver_not_green',
  'plate_mismatch',
  'possible_copy',
  'off_route',
  'enterprise_yellow',
  'test_expired',
  'status_unknown',
  'issuer_status_stale'
];

export const REASON_VERDICTS = {
  'malformed': 'deny',
  'bad_signature': 'deny',
  'unknown_key': 'deny',
  'key_revoked': 'deny',
  'unknown_issuer': 'deny',
  'not_found': 'deny',
  'revoked': 'deny',
  'handed_over': 'deny',
  'expired': 'deny',
  'not_yet_valid': 'deny',
  'enterprise_not_whitelisted': 'deny',
  'enterprise_red': 'deny',
  'test_positive': 'deny',
  'driver_not_green': 'deny',
  'plate_mismatch': 'deny',
  'possible_copy': 'check',
  'off_route': 'check',
  'enterprise_yellow': 'check',
  'test_expired': 'check',
  'status_unknown': 'check',
  'issuer_status_stale': 'check'
};

export const UNREADABLE = ['malformed', 'bad_signature', 'unknown_key', 'key_revoked', 'unknown_issuer', 'not_found'];
