"""A clerk never reaches another enterprise's objects, by any route, by id guessing or listing."""
import pytest
import sqlalchemy as sa
from werkzeug.routing.converters import AnyConverter

from core.db import db
from passes.models import Pass
from people.models import EnterprisePerson, Person
from tests.conftest import PASSWORD
from tests.integration.pass_data import make_clerk, personnel, vehicle

B_PLATE = "桂E77B77"


@pytest.fixture
def victim(app, client, make_user, make_enterprise, token_for):
    """Enterprise B with a vehicle pass, a personnel pass and their holders."""
    b = make_clerk(make_user, make_enterprise, token_for)
    numbers = []
    for data in (vehicle(plate=B_PLATE, serial=771), personnel(serial=772)):
        response = client.post("/api/v1/passes", headers=b.headers, json=data)
        assert response.status_code == 201, response.text
        numbers.append(response.json["number"])
    with app.app_context():
        people = db.session.scalars(sa.select(Person).join(EnterprisePerson).where(
            EnterprisePerson.enterprise_id == b.enterprise.id))
        people = [(person.id, person.id_number, person.name) for person in people]
    b.numbers, b.people = numbers, people
    b.secrets = [b.enterprise.code, b.enterprise.name, B_PLATE, *numbers,
                 *(id_number for _, id_number, _ in people), *(name for *_, name in people)]
    return b


@pytest.fixture
def intruder(app, make_user, make_enterprise, token_for):
    """A clerk of enterprise A, signed in for pages and holding a bearer token for the API."""
    a = make_clerk(make_user, make_enterprise, token_for)
    a.pages = app.test_client()
    a.pages.post("/login", data={"username": a.user.username, "password": PASSWORD})
    return a


def object_values(victim) -> dict:
    """Path values naming B's objects; anything else gets an id of its own kind that B holds."""
    return {"code": victim.enterprise.code, "number": victim.numbers[0],
            "person_id": victim.people[0][0]}


def object_routes(app):
    """Every route that names an object in its path and that an enterprise clerk may call."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "allowed_roles", ())
        if "enterprise" not in roles or "anonymous" in roles:
            continue  # others are refused by role (tests/integration/test_access.py)
        names = [name for name, converter in rule._converters.items()
                 if not isinstance(converter, AnyConverter)]
        if not names:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def call(intruder, url, method):
    if url.startswith("/api/"):
        kwargs = {"headers": intruder.headers}
        if method in ("POST", "PUT"):
            kwargs["json"] = {"reason": "x", "health_code": "red"}
        return intruder.pages.open(url, method=method, **kwargs)
    return intruder.pages.open(url, method=method, data={"reason": "x", "health_code": "red"})


def test_every_object_route_hides_another_enterprises_objects(app, victim, intruder):
    values, failures, walked = object_values(victim), [], 0
    for rule, method in object_routes(app):
        build = {name: values.get(name, 1) for name in rule.arguments}
        for name, converter in rule._converters.items():
            if isinstance(converter, AnyConverter):
                build[name] = sorted(converter.items)[0]
        url = rule.build(build)[1]
        response = call(intruder, url, method)
        walked += 1
        # What the URL itself names may be echoed back (a language link); nothing else may.
        leaked = [secret for secret in victim.secrets
                  if secret in response.text and secret not in url]
        response.close()
        if response.status_code not in (403, 404) or leaked:
            failures.append(f"{method} {url}: {response.status_code} {leaked}")
    assert walked >= 8
    assert failures == [], "\n".join(failures)
    with app.app_context():
        passes = db.session.scalars(sa.select(Pass).filter_by(enterprise_id=victim.enterprise.id))
        assert [p.revoked_at for p in passes] == [None, None]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pass)) == 2
        assert {p.health_code for p in db.session.scalars(sa.select(Person))} == {"green"}


def list_routes(app):
    for rule in app.url_map.iter_rules():
        roles = getattr(app.view_functions[rule.endpoint], "allowed_roles", ())
        if "GET" in rule.methods and "enterprise" in roles and not rule.arguments:
            yield rule.rule


def test_no_list_or_page_shows_another_enterprises_rows(app, victim, intruder):
    failures = []
    query = f"?enterprise={victim.enterprise.code}&q={victim.numbers[0]}&status=valid"
    for path in list_routes(app):
        for url in (path, path + query):
            headers = intruder.headers if url.startswith("/api/") else {}
            response = intruder.pages.get(url, headers=headers)
            leaked = [secret for secret in victim.secrets
                      if secret in response.text and secret not in url]
            response.close()  # file responses (the service worker) hold their file open
            if response.status_code >= 500 or leaked:
                failures.append(f"GET {url}: {response.status_code} {leaked}")
    assert failures == [], "\n".join(failures)


def test_an_officer_cannot_issue_passes(app, client, make_user, token_for, victim):
    officer = make_user("officer")
    response = client.post("/api/v1/passes", headers=token_for(officer), json=vehicle())
    assert response.status_code == 403


def test_an_admin_still_sees_every_enterprise(client, make_user, token_for, victim):
    headers = token_for(make_user("admin"))
    assert client.get(f"/api/v1/passes/{victim.numbers[0]}", headers=headers).status_code == 200
