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
