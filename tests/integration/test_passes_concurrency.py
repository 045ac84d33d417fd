"""Pass numbers stay unique and gapless when many clerks apply at once."""
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from core.db import db, utcnow
from core.errors import ValidationFailed
from passes.application import read_application
from passes.models import Pass
from passes.service import applicant, apply_for_pass
from tests.integration.pass_data import make_clerk, vehicle

THREADS = 8
PER_THREAD = 4


@pytest.fixture
def clerks(app, make_user, make_enterprise, token_for):
    return [make_clerk(make_user, make_enterprise, token_for) for _ in range(2)]


@pytest.mark.commits
def test_parallel_issuance_gives_distinct_consecutive_numbers(app, client, clerks):
    # The first pass makes the signing key, so the threads race only for serials.
    assert client.post("/api/v1/passes", json=vehicle(plate="桂E99999"),
                       headers=clerks[0].headers) \
        .status_code == 201

    def apply_many(worker: int) -> list[str]:
        numbers = []
        actor = clerks[worker % 2].actor
        with app.app_context():
            for round_ in range(PER_THREAD):
                data = vehicle(plate=f"桂E{worker}{round_}345", serial=worker * 10 + round_)
                if round_ == 1:  # a refusal between issues must not leave a gap
                    data["plate"] = "bad"
                try:
                    application = read_application(data, applicant(actor), utcnow())
                    numbers.append(apply_for_pass(application, actor).number)
                except ValidationFailed:
                    db.session.rollback()
        return numbers

    with ThreadPoolExecutor(THREADS) as pool:
        issued = [n for numbers in pool.map(apply_many, range(THREADS)) for n in numbers]
    assert len(issued) == len(set(issued)) == THREADS * (PER_THREAD - 1)
    with app.app_context():
        stored = db.session.scalars(select(Pass.number).order_by(Pass.number)).all()
    serials = [int(number[6:]) for number in stored]
    assert serials == list(range(1, THREADS * (PER_THREAD - 1) + 2))
