"""A local HTTPS webhook receiver with its own certificate authority, and a test DNS.

Webhooks go only to public addresses over https; the tests reach this receiver on 127.0.0.1
through the test-only settings that `webhook_config` returns.
"""
import contextlib
import ipaddress
import socket
import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOOK_HOST = "hooks.example.com"


def make_certificate(directory) -> tuple[str, str]:
    """A self-signed certificate for HOOK_HOST and 127.0.0.1: (cert path, key path)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOOK_HOST)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName(HOOK_HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "hook-cert.pem", directory / "hook-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class StaticResolver:
    """The resolver hook (WEBHOOK_RESOLVER): names map to addresses; it counts lookups."""

    def __init__(self, **names: list[str]):
        self.names = {HOOK_HOST: ["127.0.0.1"], "erp.example.com": ["93.184.215.14"],
                      "b.example.com": ["93.184.215.15"]} | names
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.names:
            raise OSError(f"unknown test name {host}")
        return self.names[host]


def webhook_config(certificate: tuple[str, str], dns: StaticResolver) -> dict:
    """App settings that let deliveries reach the receiver on 127.0.0.1, and nothing else."""
    return {"WEBHOOK_RESOLVER": dns, "WEBHOOK_TEST_ALLOW_NETWORKS": ["127.0.0.0/8"],
            "WEBHOOK_CA_FILE": certificate[0]}


class Receiver:
    """A local HTTPS endpoint answering with the scripted statuses (then 200), keeping
    requests (headers, body) and the name each client asked for in its TLS handshake.

    With `hold_first`, the first request gets no answer until `answer_first()` (or `close`):
    a delivery in flight for as long as the test needs, with nothing slept.
    """

    def __init__(self, certificate: tuple[str, str], statuses=(), hold_first=False):
        self.statuses, self.requests, self.sni = list(statuses), [], []
        self.arrived = threading.Condition()
        self.first_answered = threading.Event()
        if not hold_first:
            self.first_answered.set()
        self.closing = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.arrived:
                    receiver.requests.append((dict(self.headers), body))
                    first = len(receiver.requests) == 1
                    receiver.arrived.notify_all()
                if first:
                    receiver.first_answered.wait(timeout=30)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "https://127.0.0.1/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        context.sni_callback = lambda sock, name, ctx: receiver.sni.append(name)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_port
        self.url = f"https://{HOOK_HOST}:{self.port}/hook"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def wait_for_requests(self, count: int = 1, timeout: float = 10) -> None:
        """Return once `count` requests have arrived; fail after `timeout` seconds."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.requests) >= count, timeout), \
                f"{len(self.requests)} of {count} webhook requests arrived"

    def answer_first(self) -> None:
        self.first_answered.set()

    def _serve(self):
        # Not serve_forever: its shutdown waits for a poll of up to half a second. Each
        # handle_request blocks until a client connects; close() connects once to wake it.
        while not self.closing.is_set():
            self.server.handle_request()

    def close(self):
        self.closing.set()
        self.first_answered.set()
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
        self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("hook-tls"))


@pytest.fixture
def dns():
    return StaticResolver()


@pytest.fixture
def webhook_settings(app_config, certificate, dns):
    """Request before `app`: lets this test's deliveries reach the local receiver."""
    app_config.update(webhook_config(certificate, dns))


@pytest.fixture
def receiver(certificate):
    made = []

    def make(*statuses, hold_first=False):
        made.append(Receiver(certificate, statuses, hold_first))
        return made[-1]

    yield make
    for item in made:
        item.close()
