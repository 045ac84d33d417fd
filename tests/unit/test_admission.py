"""A worker admits a set number of issuing requests at once; the rest wait their turn."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, request

from passes.admission import one_issue_at_a_time


def issuing_app(per_worker: int, holding: int):
    """An app whose issuing view holds its first `holding` requests until released."""
    app = Flask(__name__)
    app.config["ISSUING_PER_WORKER"] = per_worker
    app.entered, app.held, app.release = [], threading.Semaphore(0), threading.Event()

    @app.post("/issue")
    @one_issue_at_a_time
    def issue():
        app.entered.append(request.get_json()["n"])
        if len(app.entered) <= holding:
            app.held.release()
            app.release.wait(5)
        return "issued"

    return app


def post(app, n: int):
    return app.test_client().post("/issue", json={"n": n})


def test_a_worker_works_on_one_issue_at_a_time():
    app = issuing_app(per_worker=1, holding=1)
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(post, app, 1)
        assert app.held.acquire(timeout=5)
        second = pool.submit(post, app, 2)
        time.sleep(0.3)
        assert app.entered == [1]  # the second waits for the first to finish
        app.release.set()
        assert first.result().text == second.result().text == "issued"
    assert app.entered == [1, 2]


def test_the_setting_admits_more_at_once():
    app = issuing_app(per_worker=2, holding=2)
    with ThreadPoolExecutor(2) as pool:
        answers = [pool.submit(post, app, n) for n in (1, 2)]
        assert app.held.acquire(timeout=5) and app.held.acquire(timeout=5)  # both inside
        app.release.set()
        assert [answer.result().text for answer in answers] == ["issued", "issued"]
