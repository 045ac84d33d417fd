"""The OpenAPI document describes exactly the API the app serves."""
import re

from core.openapi import document


def api_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if "{action}" in path:
                for action in sorted(rule._converters["action"].items):
                    operations.add((method.lower(), path.replace("{action}", action)))
            else:
                operations.add((method.lower(), path))
    return operations


def documented_operations() -> set[tuple[str, str]]:
    return {(method, path) for path, item in document()["paths"].items() for method in item}


def test_every_api_route_is_documented_and_nothing_else(app):
    assert api_operations(app) == documented_operations()


def test_documented_roles_match_the_views(app):
    adapter = app.url_map.bind("passes.test")
    for path, item in document()["paths"].items():
        concrete = re.sub(r"\{\w+\}", "1", path)  # "1" also fits <int:...>
        for method, operation in item.items():
            endpoint, _ = adapter.match(concrete, method=method.upper())
            declared = set(app.view_functions[endpoint].allowed_roles)
            documented = set(operation["x-roles"])
            assert documented == declared or (
                "anonymous" in documented and "anonymous" in declared), (method, path)


def test_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json["openapi"].startswith("3.")


JSON_TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}


def test_offline_bundle_is_as_documented(client, officer_headers, make_pass):
    from tests.integration.test_verify_offline_bundle import read_bundle

    issued = make_pass(via=("450503",))
    _, payload = read_bundle(client, officer_headers)
    schema = document()["components"]["schemas"]["OfflineBundle"]["properties"]
    assert set(payload) == set(schema)
    holder = payload["people"][issued.number]
    documented = schema["people"]["additionalProperties"]["properties"]
    assert set(holder) == set(documented)
    for name, value in holder.items():
        assert isinstance(value, JSON_TYPES[documented[name]["type"]]), name


def test_stats_document_says_what_valid_counts(app):
    """Pass.valid_at: not handed over and its signing key not revoked."""
    from core.db import utcnow
    from passes.models import Pass

    counted = str(Pass.valid_at(utcnow()))
    assert "handed_over_at" in counted and "signing_keys.revoked_at" in counted
    described = document()["paths"]["/api/v1/stats"]["get"]["description"]
    assert "not handed over and its key not revoked" in described


def test_pass_list_status_filter_documents_every_status_it_takes():
    from passes.service import STATUSES

    parameters = document()["paths"]["/api/v1/passes"]["get"]["parameters"]
    status, = (parameter for parameter in parameters if parameter["name"] == "status")
    assert set(status["schema"]["enum"]) == set(STATUSES)
