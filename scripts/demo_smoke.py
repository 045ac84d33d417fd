"""README's demo, tried the way a newcomer tries it; CI runs this before the test suite.

Copies the checkout into a throwaway folder (no .venv, no node_modules, no instance), runs
`scripts/demo.sh` there on a free port, so the service runs from the runtime requirements
alone, then walks the demo with the accounts it printed: every account signs in on the web
page, the clerk applies for a pass, the officer verifies it (`pass`), the holder page opens.
Standard library only: it must run before anything is installed. Exits non-zero on any failure.
"""
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 900  # a cold pip and npm install on a slow registry mirror
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


class SmokeFailed(Exception):
    pass


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="lp-demo-smoke-") as folder:
        checkout = Path(folder) / "logistics-pass"
        copy_tracked_files(checkout)
        port = free_port()
        log = Path(folder) / "demo.log"
        with log.open("w") as output:
            demo = subprocess.Popen(["scripts/demo.sh"], cwd=checkout, env=newcomer_env(port),
                                    stdout=output, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            printed = wait_until_serving(demo, log, port)
            walk_the_demo(printed)
            a_second_demo_on_the_same_port_says_so(checkout, port)
        except SmokeFailed as failure:
            print(f"demo smoke FAILED: {failure}\n--- scripts/demo.sh said:\n{log.read_text()}",
                  file=sys.stderr)
            return 1
        finally:
            stop(demo)
    print("demo smoke: 1 passed, 0 failed")
    return 0


def copy_tracked_files(target: Path) -> None:
    """What a fresh clone holds: the tracked files as they are in the working tree."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                             capture_output=True).stdout.decode()
    for name in filter(None, listing.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def newcomer_env(port: int) -> dict[str, str]:
    """This environment without anything a developer's shell may have set for the project."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"VIRTUAL_ENV", "PYTHONPATH", "FLASK_APP", "DATABASE_URL", "REDIS_URL"}
           and not key.startswith("LP_")}
    return env | {"PORT": str(port)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(demo: subprocess.Popen, log: Path, port: int) -> str:
    """What the demo printed, once it says it serves and answers on `port`."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if demo.poll() is not None:
            raise SmokeFailed(f"scripts/demo.sh exited with {demo.returncode} before serving")
        printed = log.read_text()
        if "serving on" in printed:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    return printed
            except OSError:
                pass
        time.sleep(1)
    raise SmokeFailed(f"not serving on port {port} after {STARTUP_SECONDS} s")


def walk_the_demo(printed: str) -> None:
    if "created the database" not in printed:
        raise SmokeFailed("init-db did not say that it created the database")
    login_url = found(r"sign in at (http://\S+/login)", printed, "the login address")
    password = found(r"demo accounts \(password (\S+)\)", printed, "the password")
    accounts = re.findall(r"^  (\w+) {2,}", printed, re.M)
    holder_url = found(r"holder page of .*: (http://\S+)", printed, "the holder link")
    base = login_url.removesuffix("/login")
    if not {"admin", "clerk", "officer"} <= set(accounts):
        raise SmokeFailed(f"the printed accounts are {accounts}")
    for username in accounts:
        sign_in_on_the_page(login_url, username, password)
    expect_page(holder_url, "the printed holder page")

    clerk = bearer(base, "clerk", password)
    applied = application()
    issued = call(base, "POST", "/api/v1/passes", clerk, applied, expect=201)
    officer = bearer(base, "officer", password)
    verdict = call(base, "POST", "/api/v1/verify", officer,
                   {"qr": issued["qr_text"], "checkpoint": "BH-G75-EXIT",
                    "plate": applied["plate"]}, expect=200)
    if verdict["verdict"] != "pass":
        raise SmokeFailed(f"the officer's verdict on a fresh pass: {verdict}")
    expect_page(issued["holder_url"], "the new pass's holder page", applied["plate"])


def a_second_demo_on_the_same_port_says_so(checkout: Path, port: int) -> None:
    second = subprocess.run(["scripts/demo.sh"], cwd=checkout, env=newcomer_env(port),
                            capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=STARTUP_SECONDS)
    said = second.stdout + second.stderr
    if second.returncode == 0 or "serving on" in said or f"PORT={port + 1}" not in said:
        raise SmokeFailed(f"a second demo on port {port} exited {second.returncode}: {said}")


def found(pattern: str, text: str, what: str) -> str:
    if match := re.search(pattern, text, re.M):
        return match[1]
    raise SmokeFailed(f"the demo did not print {what}")


def sign_in_on_the_page(login_url: str, username: str, password: str) -> None:
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(login_url, timeout=30) as response:
        csrf = found(r'name="csrf_token" value="([^"]+)"', response.read().decode(),
                     "a CSRF token on the login page")
    form = urllib.parse.urlencode({"csrf_token": csrf, "username": username,
                                   "password": password}).encode()
    with browser.open(login_url, form, timeout=30) as response:
        landed = response.geturl()
    if landed.endswith("/login"):
        raise SmokeFailed(f"{username} could not sign in with the printed password")


def expect_page(url: str, what: str, text: str = "") -> None:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode()
    except urllib.error.HTTPError as error:
        raise SmokeFailed(f"{what} ({url}) answered {error.code}") from None
    if text not in page:
        raise SmokeFailed(f"{what} ({url}) does not show {text!r}")


def bearer(base: str, username: str, password: str) -> str:
    body = call(base, "POST", "/api/v1/auth/token", None,
                {"username": username, "password": password}, expect=200)
    return body["access_token"]


def call(base: str, method: str, path: str, token: str | None, body: dict, expect: int) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, json.dumps(body).encode(), headers,
                                     method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, answer = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, answer = error.code, error.read()
    if status != expect:
        raise SmokeFailed(f"{method} {path} answered {status}, not {expect}: {answer[:500]!r}")
    return json.loads(answer)


def application() -> dict:
    """A vehicle pass the demo clerk's green enterprise may get: a plate and a driver of its
    own, so it clashes with nothing the demo city holds."""
    now = datetime.now(UTC).replace(microsecond=0)
    plate = "桂E" + "".join(secrets.choice("0123456789") for _ in range(5))
    id17 = f"450502198{secrets.randbelow(10)}0312{secrets.randbelow(1000):03d}"
    return {
        "kind": "vehicle", "plate": plate, "cargo": "daily",
        "driver": {"name": "赵新手", "id_number": id17 + id_check_char(id17),
                   "phone": "13907790001", "health_code": "green",
                   "test": {"result": "negative",
                            "sampled_at": (now - timedelta(hours=2)).isoformat()}},
        "origin": "450502", "destination": "450521",
        "valid_from": now.isoformat(), "valid_until": (now + timedelta(days=2)).isoformat(),
    }


def id_check_char(first17: str) -> str:
    """The resident ID number's check character (GB 11643, ISO 7064 MOD 11-2)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def stop(demo: subprocess.Popen) -> None:
    """Ctrl-C, as the demo's own message says; then make sure nothing is left behind."""
    if demo.poll() is None:
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()


if __name__ == "__main__":
    sys.exit(main())
