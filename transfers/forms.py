"""The handover form's flat inputs (named by dotted path) as the service's nested shape."""
from collections.abc import Mapping

from passes.forms import local_to_iso

DRIVER = "relay.driver."


def handover_from_form(form: Mapping) -> dict:
    driver = {name: form.get(DRIVER + name) for name in ("name", "id_number", "phone",
                                                         "health_code")}
    driver["test"] = {"result": form.get(DRIVER + "test.result"),
                      "sampled_at": local_to_iso(form.get(DRIVER + "test.sampled_at"))}
    return {"checkpoint": form.get("checkpoint"), "arriving": form.get("arriving"),
            "seals": form.get("seals"), "cargo": form.get("cargo") or None,
            "relay": {"plate": form.get("relay.plate"), "driver": driver}}


def blank_handover(station_code: str) -> dict:
    return {"checkpoint": station_code, DRIVER + "health_code": "green",
            DRIVER + "test.result": "negative"}
