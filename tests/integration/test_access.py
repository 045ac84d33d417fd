"""Every route, every role: who gets in is exactly what the view declares."""
import pytest
from werkzeug.routing.converters import AnyConverter

from tests.conftest import PASSWORD

IDENTITIES = ("anonymous", "admin", "enterprise", "officer")


# Walked last: they end the session or token the walk signs in with (logout last of all:
# it ends the account's tokens too).
SIGN_OUT = ("accounts_api.revoke", "accounts.logout")


def routes(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    for rule in sorted(rules, key=lambda rule: (rule.endpoint in SIGN_OUT,
                                                rule.endpoint == "accounts.logout")):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def url_for_rule(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = sorted(converter.items)[0] if isinstance(converter, AnyConverter) else "1"
    return rule.build(values)[1]


def is_refusal(response) -> bool:
    """401/403, or a page bouncing an anonymous visitor to the login form."""
    if response.status_code in (401, 403):
        return True
    return response.status_code == 302 and "/login?next=" in response.headers["Location"]


@pytest.fixture
def clients(app, make_user, make_enterprise):
    """A signed-in client per role: session cookie for pages, bearer token for the API."""
    users = {
        "admin": make_user("admin"),
        "enterprise": make_user("enterprise", enterprise=make_enterprise().code),
        "officer": make_user("officer"),
    }
    result = {"anonymous": (app.test_client(), {})}
    for role, user in users.items():
        client = app.test_client()
        client.post("/login", data={"username": user.username, "password": PASSWORD})
        token = client.post("/api/v1/auth/token",
                            json={"username": user.username, "password": PASSWORD})
        result[role] = (client, {"Authorization": f"Bearer {token.json['access_token']}"})
    return result


def test_every_view_declares_who_may_use_it(app):
    undeclared = [rule.rule for rule, _ in routes(app)
                  if not hasattr(app.view_functions[rule.endpoint], "allowed_roles")]
    assert undeclared == []


def test_every_route_admits_exactly_its_roles(app, clients):
    failures = []
    for rule, method in routes(app):
        allowed = app.view_functions[rule.endpoint].allowed_roles
        if "anonymous" in allowed:
            continue  # sign-in forms answer 401 to bad credentials: not an access refusal
        url = url_for_rule(rule)
        for identity in IDENTITIES:
            client, headers = clients[identity]
            kwargs = {"headers": headers} if url.startswith("/api/") else {}
            if method in ("POST", "PUT") and url.startswith("/api/"):
                kwargs["json"] = {}
            response = client.open(url, method=method, **kwargs)
            if (identity in allowed) == is_refusal(response):
                failures.append(f"{method} {url} as {identity}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def test_api_ignores_the_session_cookie(app, clients):
    client, _ = clients["admin"]
    response = client.get("/api/v1/enterprises")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_anonymous_page_visit_redirects_to_login_with_next(client):
    response = client.get("/admin/enterprises")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/admin/enterprises")
