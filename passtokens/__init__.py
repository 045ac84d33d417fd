"""What makes a pass checkable offline: the signing keys, the signed token and its QR code."""
