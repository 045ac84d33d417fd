"""Response headers that keep pages from being framed, sniffed or given powers they don't need."""
from flask import Flask, Response, request

CSP = "; ".join([
    "default-src 'self'",
    # zxing-wasm compiles WebAssembly; nothing else needs more than 'self'.
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Only the scanning page may open the camera.
CAMERA_PATHS = ("/checkpoint/scan",)
# What holds no personal data and no signed-in view. Everything else (pages, API answers,
# holder pages, errors) is no-store: ID and phone numbers must stay out of shared and
# browser caches. The service workers keep what works offline in their own caches.
CACHEABLE_ENDPOINTS = {"static", "well_known.jwks", "openapi.openapi", "scanner.zxing_file"}


def _secure_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    camera = "(self)" if request.path.startswith(CAMERA_PATHS) else "()"
    headers["Permissions-Policy"] = f"camera={camera}, microphone=(), geolocation=()"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    headers.pop("Server", None)
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        response.cache_control.no_store = True
    return response


def init_app(app: Flask) -> None:
    app.after_request(_secure_headers)
