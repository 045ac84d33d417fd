"""Findings #11, #12, #22 and issue 15's lockout page: failed sign-ins are counted before
the password is checked, once for the login page and the token endpoint, in counters every
worker and instance shares (the database without REDIS_URL), and the lockout says how long
to wait without shutting out an account's own browser because of other accounts."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from accounts.models import User
from app import create_app
from bench.harness import app_env, fetch, gunicorn
from core.db import db
from core.limits import RateCounter
from tests.conftest import PASSWORD

LIMIT = 5  # the default: "5 per minute;30 per hour"


@pytest.fixture
def app_config(app_config):
    return app_config | {"LOGIN_LIMITS": "5 per minute;30 per hour"}


def slow_to_check(app, username: str) -> None:
    """A costly hash, as in production: the guesses of a crowd all arrive while it runs."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:300000")
        db.session.commit()


def token_try(client, username: str, password: str = "wrong-pass-1",
              address: str = "10.1.0.1") -> int:
    response = client.post("/api/v1/auth/token",
                           json={"username": username, "password": password},
                           environ_base={"REMOTE_ADDR": address})
    return response.status_code


def page_try(client, username: str, password: str = "wrong-pass-1",
             address: str = "10.1.0.1", **options):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address}, **options)


@pytest.mark.commits
def test_forty_concurrent_wrong_passwords_get_at_most_the_limit_of_tries(app, make_user):
    username = make_user("admin").username
    slow_to_check(app, username)
    start = threading.Barrier(40)

    def guess(n: int) -> int:
        client = app.test_client()
        start.wait()
        return token_try(client, username, address=f"10.2.0.{n}")

    with ThreadPoolExecutor(40) as pool:
        statuses = list(pool.map(guess, range(40)))
    assert statuses.count(401) <= LIMIT
    assert statuses.count(401) + statuses.count(429) == 40
    # And the right password is refused too while the account is locked.
    assert token_try(app.test_client(), username, PASSWORD, "10.2.1.1") == 429


@pytest.mark.parametrize("first, then", [(page_try, token_try), (token_try, page_try)])
def test_the_login_page_and_the_token_endpoint_share_one_count(client, make_user, first, then):
    username = make_user("officer").username
    for n in range(LIMIT):
        first(client, username, address=f"10.3.0.{n}")
    answer = then(client, username, PASSWORD, address="10.3.1.1")
    assert getattr(answer, "status_code", answer) == 429
    # Per address too: other names from one address, through both doors.
    for n in range(LIMIT):
        first(client, f"nobody-{n}", address="10.3.2.1")
    answer = then(client, "someone-else", address="10.3.2.1")
    assert getattr(answer, "status_code", answer) == 429


@pytest.mark.commits
def test_two_instances_on_one_database_share_the_count(app_config, app, make_user):
    username = make_user("admin").username
    first, second = create_app(app_config), create_app(app_config)
    statuses = [token_try((first, second)[n % 2].test_client(), username,
                          address=f"10.4.0.{n}") for n in range(LIMIT + 2)]
    assert statuses == [401] * LIMIT + [429] * 2
    for each in (first, second):
        with each.app_context():
            db.engine.dispose()


@pytest.fixture
def redis_config(app_config):
    """REDIS_URL set, under a key prefix of this test's own, removed afterwards."""
    url = "redis://127.0.0.1:6379/0"
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"lp-test-{uuid.uuid4().hex[:12]}"
    yield app_config | {"REDIS_URL": url, "RATELIMIT_KEY_PREFIX": prefix}
    for key in server.scan_iter(f"{prefix}*"):
        server.delete(key)
    server.close()


@pytest.mark.commits
def test_with_redis_the_counts_are_kept_there_and_hold_under_a_crowd(app, redis_config,
                                                                     make_user):
    username = make_user("admin").username
    slow_to_check(app, username)
    instances = [create_app(redis_config) for _ in range(2)]
    start = threading.Barrier(20)

    def guess(n: int) -> int:
        client = instances[n % 2].test_client()
        start.wait()
        return token_try(client, username, address=f"10.8.0.{n}")

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(guess, range(20)))
    assert statuses.count(401) <= LIMIT and statuses.count(401) + statuses.count(429) == 20
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RateCounter)) == 0
    for each in instances:
        with each.app_context():
            db.engine.dispose()


@pytest.mark.cluster
@pytest.mark.commits
def test_gunicorn_with_two_workers_holds_one_limit(app_config, app, make_user):
    """The default setup, for real: gunicorn's two workers, no REDIS_URL."""
    username = make_user("admin").username
    slow_to_check(app, username)
    env = app_env(app_config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY=app_config["SECRET_KEY"],
                  KEY_ENCRYPTION_SECRET=app_config["KEY_ENCRYPTION_SECRET"],
                  LP_LOGIN_LIMITS="5 per minute;30 per hour")
    del env["REDIS_URL"]
    body = {"username": username, "password": "wrong-pass-1"}
    with gunicorn(env, workers=2, threads=8) as server:
        with ThreadPoolExecutor(40) as pool:
            crowd = list(pool.map(lambda _: fetch(server.url, "POST", "/api/v1/auth/token",
                                                  body)[0], range(40)))
        in_a_row = [fetch(server.url, "POST", "/api/v1/auth/token",
                          body | {"username": username.upper()})[0] for _ in range(7)]
    assert crowd.count(401) <= LIMIT and crowd.count(401) + crowd.count(429) == 40
    # Concurrent tries can refuse one another on different counters (account, address), so
    # the crowd may check fewer than the limit; the one after it fill it up, never past it.
    checked_after = LIMIT - crowd.count(401)
    assert in_a_row == [401] * checked_after + [429] * (7 - checked_after)


def test_the_lockout_page_says_how_long_to_wait_in_the_users_language(client, make_user):
    username = make_user("admin").username
    for _ in range(LIMIT):
        page_try(client, username)
    locked = page_try(client, username)
    assert locked.status_code == 429
    wait = int(locked.headers["Retry-After"])
    assert 0 < wait <= 120
    minutes = -(-wait // 60)
    assert f"登录失败次数过多，请 {minutes}分钟后再试。" in locked.text
    assert f'value="{username}"' in locked.text  # what was typed stays
    english = page_try(client, username, query_string={"lang": "en"})
    assert "Too many failed sign-ins. Try again in 1 minute" in english.text.replace(
        "2 minutes", "1 minute")
    assert "per 1 minute" not in english.text
    api = client.post("/api/v1/auth/token", json={"username": username, "password": "x"},
                      environ_base={"REMOTE_ADDR": "10.1.0.1"},
                      headers={"Accept-Language": "en"})
    assert api.status_code == 429 and "Retry-After" in api.headers


def test_a_browser_that_signed_in_before_is_not_shut_out_by_other_accounts_failures(
        app, make_user):
    clerk = make_user("admin").username
    office = app.test_client()  # this browser has signed in to the account before
    assert page_try(office, clerk, PASSWORD, "10.5.0.1").status_code == 302
    office.post("/logout")
    sprayer = app.test_client()  # behind the same office address
    for n in range(LIMIT):
        assert page_try(sprayer, f"colleague-{n}", address="10.5.0.1").status_code == 401
    assert page_try(sprayer, "another", address="10.5.0.1").status_code == 429
    # The account's own browser gets in with the right password...
    assert page_try(office, clerk, PASSWORD, "10.5.0.1").status_code == 302
    # ...while a browser new to it waits: a sprayer must not get past by guessing right.
    assert page_try(app.test_client(), clerk, PASSWORD, "10.5.0.1").status_code == 429


def test_a_known_browser_still_meets_the_accounts_own_limit(app, make_user):
    username = make_user("admin").username
    browser = app.test_client()
    assert page_try(browser, username, PASSWORD).status_code == 302
    browser.post("/logout")
    for n in range(LIMIT):
        assert page_try(browser, username, address=f"10.6.0.{n}").status_code == 401
    assert page_try(browser, username, PASSWORD, "10.6.1.1").status_code == 429


def test_a_forged_device_cookie_counts_for_nothing(app, make_user):
    username = make_user("admin").username
    browser = app.test_client()
    browser.set_cookie("lp_device", "forged.cookie.value", domain="passes.test")
    for n in range(LIMIT):
        page_try(browser, f"sprayed-{n}", address="10.7.0.1")
    assert page_try(browser, username, PASSWORD, "10.7.0.1").status_code == 429
