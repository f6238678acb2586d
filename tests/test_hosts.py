"""Two web hosts, each with its own model folder, one PostgreSQL and one Redis."""

import base64
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from ml import registry
from ml.inference import METRICS
from recognizer.models import Drawing
from tests.conftest import served_shipped_model, subprocess_env
from tests.factories import stroke_png
from tests.test_server import ROOT, _free_port, _wait_healthy

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
MODELS = ROOT / "models"
SHIPPED = registry.serving_version(MODELS)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PICKUP_SECONDS = 10


def redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("REQUIRE_POSTGRES"):  # CI: Redis is part of the deployment
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")


def host_folder(root: Path, name: str) -> Path:
    """A host's own model folder holding the shipped version, served."""
    served_shipped_model(root / name)
    return root / name


def another_version(folder: Path) -> str:
    """A second version in this folder only: the shipped weights under a new name."""
    name = f"cnn-{secrets.token_hex(4)}"
    shutil.copytree(folder / SHIPPED, folder / name)
    metrics = json.loads((folder / name / METRICS).read_text())
    (folder / name / METRICS).write_text(json.dumps({**metrics, "version": name}))
    return name


@contextlib.contextmanager
def started_hosts(tmp_path, *, rate: str, workers: int = 1):
    """Start two gunicorns on the test database, sharing Redis; yield {name: (url, env)}."""
    if connection.vendor != "postgresql":
        pytest.skip("two server processes need the test database on PostgreSQL")
    redis_or_skip()
    prefix = f"test-{secrets.token_hex(4)}"  # counters of this test only
    started = {}
    for name in ("a", "b"):
        port = _free_port()
        env = subprocess_env(
            HOST="127.0.0.1",
            PORT=str(port),
            WEB_CONCURRENCY=str(workers),
            GUNICORN_ACCESS_LOG="",
            MODEL_PATH=str(host_folder(tmp_path, name)),
            MODEL_CHECK_SECONDS="2",
            REDIS_URL=REDIS_URL,
            CACHE_KEY_PREFIX=prefix,
            PREDICT_ANON_RATE=rate,
        )
        web = (ROOT / "Procfile").read_text().split("web:", 1)[1].splitlines()[0].split()
        started[name] = (subprocess.Popen(web, cwd=ROOT, env=env), f"http://127.0.0.1:{port}", env)
    try:
        for _, url, _ in started.values():
            _wait_healthy(url)
        yield {name: (url, env) for name, (_, url, env) in started.items()}
    finally:
        for process, _, _ in started.values():
            process.terminate()
            process.wait(30)


@pytest.fixture
def hosts(tmp_path):
    with started_hosts(tmp_path, rate="6/min") as started:
        yield started


def post(url: str, path: str) -> tuple[int, dict]:
    body = json.dumps({"image": base64.b64encode(stroke_png()).decode()}).encode()
    request = urllib.request.Request(f"{url}{path}", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def manage(env: dict, *args: str) -> str:
    command = [str(Path(env["PATH"].split(os.pathsep)[0]) / "python"), "manage.py", *args]
    return subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def served_within(url: str, version: str) -> float:
    """Return how many seconds it took `url` to read with `version` (a live reading)."""
    started = time.monotonic()
    while time.monotonic() - started < PICKUP_SECONDS + 5:
        status, body = post(url, "/api/readings/")
        if status == 200 and body["model_version"] == version:
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"{url} still serves {body.get('model_version')}, not {version}")


def test_a_promotion_on_one_host_is_served_by_the_other(hosts):
    (a, a_env), (b, b_env) = hosts["a"], hosts["b"]
    new = another_version(Path(a_env["MODEL_PATH"]))  # host B has never seen it
    assert post(b, "/api/readings/")[1]["model_version"] == SHIPPED

    manage(a_env, "promote", new, "--reason", "two hosts")
    assert served_within(b, new) < PICKUP_SECONDS
    assert (Path(b_env["MODEL_PATH"]) / new / "model.tflite").is_file()  # unpacked from PostgreSQL
    status, drawing = post(b, "/api/predictions/")
    assert status == 201 and drawing["model_version"] == new

    manage(b_env, "rollback")
    assert served_within(a, SHIPPED) < PICKUP_SECONDS


def test_rate_limits_hold_across_hosts(hosts):
    (a, _), (b, _) = hosts["a"], hosts["b"]
    codes = [post(url, "/api/predictions/")[0] for url in (a, b) * 5]
    # 6 a minute for one client, whichever host it reaches (each alone would allow 6).
    assert codes.count(201) == 6 and codes.count(429) == 4


def test_rate_limits_hold_for_concurrent_clients_across_hosts_and_workers(tmp_path):
    with started_hosts(tmp_path, rate="60/min", workers=2) as started:
        urls = [url for url, _ in started.values()]
        # 8 clients at once from one address, 160 drawings in all, half to each host.
        with ThreadPoolExecutor(8) as clients:
            codes = list(
                clients.map(lambda n: post(urls[n % 2], "/api/predictions/")[0], range(160))
            )
    stored = Drawing.objects.count()
    assert codes.count(201) == stored and codes.count(429) == 160 - stored
    assert 0 < stored <= 60
