"""What every benchmark needs: a throwaway database, the app under gunicorn, wrk, the demo city.

Each benchmark starts what it measures and stops it again, whatever happens.
"""
import argparse
import contextlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from core.validators import resident_id_check_char, uscc_check_char  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
NGINX = "/usr/sbin/nginx"
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "demo-pass-2022"  # demo.py
CHECKPOINT = "BH-G75-EXIT"  # demo.py: the officer's checkpoint
CLERK_ENTERPRISE = "91450500MA5KA1001" + uscc_check_char("91450500MA5KA1001")  # green
CST = timezone(timedelta(hours=8))
PLATE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O
# wrk's --latency percentiles, and the throughput line.
WRK_PERCENTILE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
WRK_TOTAL = re.compile(r"^\s+(\d+) requests in", re.M)
WRK_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """The options of every benchmark that drives the app under gunicorn with wrk."""
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20, help="each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)


def databases(args: argparse.Namespace) -> list[str]:
    return ["sqlite", "postgresql"] if args.database == "both" else [args.database]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment the app reads: fixed secrets, Redis, and LP_ settings."""
    return os.environ | {
        "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "bench-secret-key-not-for-production",
        "KEY_ENCRYPTION_SECRET": "bench-key-encryption-secret-not-for-production",
        "LP_LOGIN_LIMITS": "10000 per minute", "LP_SESSION_COOKIE_SECURE": "false",
    } | settings


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


@contextlib.contextmanager
def throwaway_database(kind: str) -> Iterator[str]:
    """A new empty database ("sqlite" or "postgresql"), dropped afterwards; yields its URL."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="lp-bench-") as folder:
            yield f"sqlite:///{folder}/passes.sqlite3"
        return
    name = f"lp_bench_{secrets.token_hex(4)}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def demo_city(kind: str, **settings: str) -> contextlib.AbstractContextManager[tuple[str, dict]]:
    """A throwaway database holding the demo city; yields (url, env), with `settings` in it."""

    @contextlib.contextmanager
    def seeded():
        with throwaway_database(kind) as url:
            env = app_env(url, **settings)
            flask(env, "init-db")
            flask(env, "seed-demo")
            yield url, env

    return seeded()


def durability(url: str) -> str:
    """The database's commit setting, so a report shows that no commit was relaxed."""
    if url.startswith("sqlite"):
        return "SQLite WAL, synchronous=FULL (every commit fsynced)"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            commit = conn.execute(text("SHOW synchronous_commit")).scalar_one()
            fsync = conn.execute(text("SHOW fsync")).scalar_one()
    finally:
        engine.dispose()
    return f"PostgreSQL synchronous_commit={commit}, fsync={fsync}"


@dataclass
class Server:
    """A running gunicorn (or anything else) serving HTTP on 127.0.0.1:port."""

    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def gunicorn(env: dict, workers: int = 2, threads: int = 8,
             port: int | None = None, app: str = "app:create_app()") -> Iterator[Server]:
    """The app (or another WSGI app of the repository) under gunicorn's threaded workers;
    stopped on leaving."""
    port = port or free_port()
    command = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_until_up(port, process)
        yield Server(process, port)
    finally:
        stop(process)


def wait_until_up(port: int, process: subprocess.Popen | None = None,
                  path: str = "/healthz", seconds: float = 60,
                  tls: ssl.SSLContext | None = None) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = (http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=tls)
                    if tls else http.client.HTTPConnection("127.0.0.1", port, timeout=5))
            try:
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            finally:
                conn.close()
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"nothing answered on port {port}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def call(port: int, method: str, path: str, body=None, token: str | None = None):
    """One JSON request; returns (status, parsed body or None)."""
    status, _, parsed = fetch(f"http://127.0.0.1:{port}", method, path, body, token)
    return status, parsed


def fetch(base_url: str, method: str, path: str, body=None, token: str | None = None,
          headers: dict | None = None, source: str | None = None,
          tls: ssl.SSLContext | None = None, timeout: float = 60):
    """One JSON request to an http:// or https:// base URL, from the loopback address
    `source` if given; returns (status, response headers, parsed body or None)."""
    parts = urlsplit(base_url)
    headers = {"Accept": "application/json", "Accept-Language": "en"} | (headers or {})
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    options = {"timeout": timeout, "source_address": (source, 0) if source else None}
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, parts.port, context=tls, **options)
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, **options)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    is_json = response.headers.get("Content-Type", "").startswith("application/json")
    return response.status, response.headers, (json.loads(raw) if raw and is_json else None)


def api_token(port: int, username: str) -> str:
    status, body = call(port, "POST", "/api/v1/auth/token",
                        {"username": username, "password": PASSWORD})
    if status != 200:
        raise RuntimeError(f"no token for {username}: {status} {body}")
    return body["access_token"]


def application(n: int, start: datetime | None = None) -> dict:
    """The n-th of a series of valid, distinct vehicle applications for the clerk."""
    plate = "桂E" + "".join(PLATE_CHARS[(n // len(PLATE_CHARS) ** i) % len(PLATE_CHARS)]
                           for i in range(4, -1, -1))
    born = date(1970, 1, 1) + timedelta(days=n // 1000)
    first17 = f"450502{born:%Y%m%d}{n % 1000:03d}"
    start = start or datetime.now(CST).replace(microsecond=0)
    driver = {"name": "张三明", "id_number": first17 + resident_id_check_char(first17),
              "phone": "13800000000", "health_code": "green",
              "test": {"result": "negative",
                       "sampled_at": (start - timedelta(hours=6)).isoformat()}}
    return {"kind": "vehicle", "plate": plate, "driver": driver, "cargo": "daily",
            "origin": "450502", "destination": "450521", "valid_from": start.isoformat(),
            "valid_until": (start + timedelta(days=5)).isoformat()}


def issue_passes(port: int, clerk_token: str, count: int, first: int = 0) -> list[str]:
    """Issue `count` passes through the API; returns their QR texts."""
    texts = []
    for n in range(first, first + count):
        status, body = call(port, "POST", "/api/v1/passes", application(n), clerk_token)
        if status != 201:
            raise RuntimeError(f"could not issue a pass: {status} {body}")
        texts.append(body["qr_text"])
    return texts


@dataclass
class WrkResult:
    requests: int
    rate: float  # requests per second
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int

    def row(self) -> str:
        return (f"{self.rate:,.0f} req/s | p50 {self.p50_ms:.1f} ms | p90 {self.p90_ms:.1f} ms"
                f" | p99 {self.p99_ms:.1f} ms | {self.requests:,} requests,"
                f" {self.non_2xx} non-2xx, {self.socket_errors} socket errors")


# Sends each request of the file in turn ("METHOD<tab>PATH<tab>BODY" a line), with the token.
# Each wrk thread runs its own Lua state, so each takes every n-th request from its own
# offset: a shared counter would have every thread send the same requests (the same
# application twice is a 409 plate_taken, not a second pass).
WRK_REQUESTS_SCRIPT = """
local started = 0
function setup(thread)
  thread:set("offset", started)
  started = started + 1
end
local stride = tonumber(os.getenv("WRK_THREADS"))
local requests = {}
for line in io.lines(os.getenv("WRK_REQUESTS")) do
  local method, path, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
  requests[#requests + 1] = {method, path, body ~= "" and body or nil}
end
local counter = 0
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("WRK_TOKEN")
request = function()
  local r = requests[((counter * stride + offset) % #requests) + 1]
  counter = counter + 1
  return wrk.format(r[1], r[2], nil, r[3])
end
"""


def wrk(url: str, seconds: float, connections: int = 32, threads: int = 2,
        bodies: list[str] | None = None, token: str | None = None,
        requests: list[tuple[str, str, str]] | None = None) -> WrkResult:
    """Drive `url` with wrk. With bodies, POST them to url's path in turn; with requests,
    send each (method, path, body) in turn; either way with the bearer token."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency",
               "--timeout", "10s"]
    if bodies is not None:
        path = "/" + url.split("/", 3)[3]
        requests = [("POST", path, body) for body in bodies]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="lp-wrk-") as folder:
        if requests is not None:
            script = Path(folder, "requests.lua")
            script.write_text(WRK_REQUESTS_SCRIPT)
            Path(folder, "requests.tsv").write_text(
                "".join(f"{method}\t{path}\t{body}\n" for method, path, body in requests))
            env |= {"WRK_REQUESTS": f"{folder}/requests.tsv", "WRK_TOKEN": token or "",
                    "WRK_THREADS": str(threads)}
            command += ["-s", str(script)]
        done = subprocess.run([*command, url], env=env, capture_output=True, text=True,
                              check=True)
    return parse_wrk(done.stdout)


def parse_wrk(output: str) -> WrkResult:
    percentiles = {int(p): float(v) * UNIT_MS[unit]
                   for p, v, unit in WRK_PERCENTILE.findall(output)}
    non_2xx = WRK_NON_2XX.search(output)
    errors = WRK_ERRORS.search(output)
    return WrkResult(
        requests=int(WRK_TOTAL.search(output).group(1)),
        rate=float(WRK_RATE.search(output).group(1)),
        p50_ms=percentiles[50], p90_ms=percentiles[90], p99_ms=percentiles[99],
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(map(int, errors.groups())) if errors else 0,
    )


def self_signed_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate for the IP address `host`; returns (certificate, key) paths.
    Clients verify it by loading the certificate file as their only trusted authority."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ip_address(host))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


def _replace(pattern: str, replacement: str, text: str) -> str:
    """re.sub that fails loudly when deploy/nginx.conf no longer has the expected line."""
    result, count = re.subn(pattern, replacement, text, flags=re.M)
    if not count:
        raise ValueError(f"deploy/nginx.conf has no line matching {pattern!r}")
    return result


def local_nginx_conf(folder: Path, upstream_ports: list[int], http_port: int,
                     https_port: int, certificate: Path, key: Path) -> str:
    """deploy/nginx.conf for a throwaway nginx: the same directives, with loopback ports,
    the app instances on `upstream_ports`, a test certificate, and pid, logs and buffers in
    `folder`. Only those lines change, so what runs is the documented configuration."""
    conf = NGINX_CONF.read_text()
    servers = "".join(f"        server 127.0.0.1:{port};\n" for port in upstream_ports)
    # As root the workers keep root's user, so that they can write to `folder`.
    conf = _replace(r"^user .*;$", "user root;" if os.geteuid() == 0 else "", conf)
    conf = _replace(r"^pid .*;$", f"pid {folder}/nginx.pid;", conf)
    conf = _replace(r"^error_log .*;$", f"error_log {folder}/error.log warn;", conf)
    conf = _replace(r"^([ \t]*)access_log .*;$", r"\1access_log off;", conf)
    conf = _replace(r"^[ \t]*listen \[::\]:.*\n", "", conf)
    conf = _replace(r"^([ \t]*)listen 80;$", rf"\1listen 127.0.0.1:{http_port};", conf)
    conf = _replace(r"^([ \t]*)listen 443 ", rf"\1listen 127.0.0.1:{https_port} ", conf)
    conf = _replace(r"^([ \t]*)ssl_certificate .*;$", rf"\1ssl_certificate {certificate};", conf)
    conf = _replace(r"^([ \t]*)ssl_certificate_key .*;$", rf"\1ssl_certificate_key {key};", conf)
    conf = _replace(r"(?:^[ \t]*server [\d.]+:\d+.*;\n)+", servers, conf)
    temp = "".join(f"    {kind}_temp_path {folder}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return _replace(r"^http \{\n", "http {\n" + temp, conf)


@dataclass
class Proxy:
    """A running nginx: plain HTTP (which redirects) and HTTPS on loopback ports."""

    http_port: int
    https_port: int
    certificate: Path  # trust this to verify the HTTPS side

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))


@contextlib.contextmanager
def nginx(upstream_ports: list[int]) -> Iterator[Proxy]:
    """nginx from deploy/nginx.conf in front of the app instances on `upstream_ports`,
    in the foreground, from a temporary folder; stopped on leaving."""
    with tempfile.TemporaryDirectory(prefix="lp-nginx-") as name:
        folder = Path(name)
        certificate, key = self_signed_certificate(folder)
        proxy = Proxy(free_port(), free_port(), certificate)
        conf = folder / "nginx.conf"
        conf.write_text(local_nginx_conf(folder, upstream_ports, proxy.http_port,
                                         proxy.https_port, certificate, key))
        process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf),
                                    "-g", "daemon off;"])
        try:
            wait_until_up(proxy.https_port, process, tls=proxy.tls())
            yield proxy
        except BaseException:
            print((folder / "error.log").read_text(errors="replace"), file=sys.stderr)
            raise
        finally:
            stop(process)


def add_enterprises(conn, count: int) -> None:
    """`count` approved enterprises with ids from 1001 (87% green, 10% yellow, 3% red), in
    one statement on PostgreSQL."""
    conn.execute(text("""
        INSERT INTO enterprises (id, code, name, address, contact_name, contact_phone, state,
                                 colour, created_at, updated_at)
        SELECT 1000 + g, '91450500SC' || lpad(g::text, 8, '0'),
               '北海合成物流' || g || '号有限公司', '广西北海市', '王经理', '13907790000',
               'approved', CASE WHEN g % 100 < 87 THEN 'green' WHEN g % 100 < 97
                                THEN 'yellow' ELSE 'red' END, now() - interval '90 days', now()
        FROM generate_series(1, :n) g"""), {"n": count})


def add_people(conn, count: int, enterprises: int) -> None:
    """`count` cleared holders with ids from 1001, on the rosters of add_enterprises' firms."""
    conn.execute(text("""
        INSERT INTO people (id, name, id_number, phone, health_code, health_code_at,
                            test_result, test_sampled_at, updated_at, whitelisted)
        SELECT 1000 + g, '张三明', '4505021980' || lpad(g::text, 8, '0'),
               '13800000000', 'green', now(), 'negative', now() - interval '10 hours', now(),
               true
        FROM generate_series(1, :n) g"""), {"n": count})
    conn.execute(text("""
        INSERT INTO enterprise_people (enterprise_id, person_id, added_at)
        SELECT 1001 + g % :e, 1000 + g, now() FROM generate_series(1, :n) g"""),
                 {"n": count, "e": enterprises})


def count_rows(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


def analyze(url: str) -> None:
    """Bring the planner's statistics up to date, as autovacuum keeps a city's database.

    A throwaway database is measured a minute after it was made: its statistics still say
    the scan log is nearly empty, and PostgreSQL plans the verify's prepared reads for that
    (a hash join over every scan), which the log outgrows within the run (bench/RESULTS.md).
    """
    if url.startswith("sqlite"):
        return
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (those that ended count nothing)."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def worker_pids(server: Server) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                           text=True).stdout.split()
    return [int(pid) for pid in found]


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL server processes serving this database (none for SQLite)."""
    if url.startswith("sqlite"):
        return []
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()")).scalars())
    finally:
        engine.dispose()


@dataclass
class CpuUse:
    """CPU seconds a run cost the app's gunicorn workers and the database's server processes:
    unlike the rates, hardly moved by what else runs on the machine."""

    app: float = 0.0
    database: float = 0.0

    def __add__(self, other: "CpuUse") -> "CpuUse":
        return CpuUse(self.app + other.app, self.database + other.database)

    def per_request(self, requests: int) -> str:
        return (f"{self.app * 1000 / requests:.2f} ms app + "
                f"{self.database * 1000 / requests:.2f} ms database")


def wrk_costed(server: Server, database_url: str, url: str, seconds: float,
               connections: int = 32, **options) -> tuple[WrkResult, CpuUse]:
    """wrk on `url` (as wrk() takes it), with the CPU the server and database used meanwhile."""
    workers, backends = worker_pids(server), backend_pids(database_url)
    before = CpuUse(cpu_seconds(workers), cpu_seconds(backends))
    result = wrk(url, seconds, connections, **options)
    after = CpuUse(cpu_seconds(workers), cpu_seconds(backends))
    return result, CpuUse(after.app - before.app, after.database - before.database)


def load_average() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


@contextlib.contextmanager
def profiled(server: Server, seconds: float, output: Path) -> Iterator[None]:
    """Sample one gunicorn worker with py-spy while the block runs, writing collapsed stacks
    to `output`. Only the thread holding the GIL is sampled: a worker runs Python on one
    core at most, so this is where its Python time goes (not its threads' waiting)."""
    workers = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                             text=True, check=True).stdout.split()
    spy = subprocess.Popen([str(VENV_BIN / "py-spy"), "record", "--pid", workers[0],
                            "--duration", f"{seconds:g}", "--rate", "250", "--nonblocking", "--gil",
                            "--format", "raw", "--full-filenames", "--output", str(output)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.wait()


def profile_by_package(collapsed: Path, top: int = 12) -> list[tuple[str, float]]:
    """Where the sampled CPU went: the share of samples whose innermost frame is in each
    package (the app's own code by its top folder, the standard library as one)."""
    shares = Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        innermost = stack.rsplit(";", 1)[-1]
        shares[_package_of(innermost[innermost.rfind("(") + 1:innermost.rfind(":")])] += \
            int(count)
    total = sum(shares.values()) or 1
    return [(package, count / total) for package, count in shares.most_common(top)]


def profile_top_frames(collapsed: Path, top: int = 15) -> list[tuple[str, float]]:
    """The frames most often on the stack (inclusive share of samples), the app's own and
    its libraries', ignoring the server loop every request runs under."""
    inclusive = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        total += int(count)
        frames = {frame.split(" (", 1)[0] + " " + _short(frame) for frame in stack.split(";")}
        for frame in frames:
            inclusive[frame] += int(count)
    total = total or 1
    skip = ("gunicorn", "threading", "concurrent", "<module>", "socketserver")
    return [(frame, count / total) for frame, count in inclusive.most_common(top * 3)
            if not any(word in frame for word in skip)][:top]


def _short(frame: str) -> str:
    path = frame[frame.rfind("(") + 1:frame.rfind(":")]
    if "/site-packages/" in path:
        path = path.split("/site-packages/", 1)[1]
    elif path.startswith(str(ROOT)):
        path = str(Path(path).relative_to(ROOT))
    return f"({path})"


def _package_of(filename: str) -> str:
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(ROOT)):
        return "app: " + Path(filename).relative_to(ROOT).parts[0]
    return "Python standard library"
