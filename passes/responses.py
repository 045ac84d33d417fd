"""Sending a pass's QR image: it never changes, so caches may keep it."""
from flask import Response, request


def png_response(png: bytes, number: str, *, download: bool = False) -> Response:
    """The PNG with an ETag (the pass number: a pass's QR never changes) and long caching."""
    response = Response(png, mimetype="image/png")
    response.set_etag(f"qr-{number}")
    # private: it sits behind a sign-in or an unguessable link, not for shared caches.
    response.cache_control.private = True
    response.cache_control.max_age = 7 * 24 * 3600
    response.cache_control.immutable = True
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="pass-{number}.png"'
    response.make_conditional(request)  # a 304 when the client's ETag matches
    return response
