"""Shared fixtures: real MNIST digits rendered as real PNGs, users and API clients."""

import functools
import os
import sys
import threading
import time

import numpy as np
import pytest
from django.core.signals import request_finished, request_started
from django.db import connection
from rest_framework.test import APIClient

from ml.data import load_mnist
from ml.synth import render_canvas
from tests.factories import UserFactory

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ERROR_NEEDS_POSTGRES = "REQUIRE_POSTGRES is set but the tests run on {vendor}: set DATABASE_URL"


@pytest.fixture(scope="session", autouse=True)
def _postgres_when_required(django_db_setup, django_db_blocker):
    """In CI the suite must run on PostgreSQL, never silently on SQLite."""
    if os.environ.get("REQUIRE_POSTGRES") and connection.vendor != "postgresql":
        pytest.exit(ERROR_NEEDS_POSTGRES.format(vendor=connection.vendor), returncode=3)


def subprocess_env(**extra: str) -> dict:
    """Environment for a child process (a server, a worker) on this test run's database."""
    db = connection.settings_dict
    host = f"{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    venv_bin = os.path.dirname(sys.executable)
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{host}/{db['NAME']}",
        "DJANGO_DEBUG": "1",
        "PYTHONPATH": ROOT,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra,
    }


@functools.cache
def mnist_test_digits():
    return load_mnist().test


@pytest.fixture(scope="session")
def mnist_test():
    """The official MNIST test set (uint8 images, labels)."""
    return mnist_test_digits()


def canvas_png(index: int, encoding: str = "transparent", seed: int = 0) -> bytes:
    """Render MNIST test digit `index` as a browser-canvas-like PNG."""
    digits = mnist_test_digits()
    return render_canvas(digits.images[index], np.random.default_rng(seed + index), encoding)


@pytest.fixture
def digit_png():
    """A factory of canvas PNGs of known MNIST test digits: digit_png(index, encoding)."""
    return canvas_png


def set_visitor(client, key: str) -> None:
    """Make the test client an anonymous visitor with this id (their signed cookie)."""
    from django.core import signing

    from recognizer.core.owners import SALT, VISITOR_COOKIE

    client.cookies[VISITOR_COOKIE] = signing.get_cookie_signer(salt=VISITOR_COOKIE + SALT).sign(key)


@pytest.fixture(scope="module")
def browser():
    """The system Chromium, driven by Playwright, for one test module."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_or_skip

    executable = chromium_or_skip()
    # Playwright's sync API keeps an event loop running in this thread for the whole
    # module; the ORM work here (test setup, flushes) never overlaps a browser call.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class LiveRequests:
    """Count the requests the live server's threads are handling."""

    QUIET_S = 0.4  # a page's keepalive store, sent as its context closes, arrives within this

    def __init__(self):
        self.lock = threading.Lock()
        self.active = 0
        self.changed = time.monotonic()

    def started(self, **kwargs):
        with self.lock:
            self.active += 1
            self.changed = time.monotonic()

    def finished(self, **kwargs):
        with self.lock:
            self.active -= 1
            self.changed = time.monotonic()

    def wait_until_quiet(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.active <= 0 and time.monotonic() - self.changed >= self.QUIET_S:
                    return
            time.sleep(0.05)


@pytest.fixture(autouse=True)
def _live_server_quiet_before_flush(request):
    """Let the live server finish every request before the database is flushed.

    A page stores its last drawing with a keepalive fetch when it closes; a flush that
    truncates the tables while that insert runs deadlocks on PostgreSQL.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so flushed after this waits
    requests = LiveRequests()
    request_started.connect(requests.started, dispatch_uid="live-requests-started")
    request_finished.connect(requests.finished, dispatch_uid="live-requests-finished")
    yield
    requests.wait_until_quiet()
    request_started.disconnect(dispatch_uid="live-requests-started")
    request_finished.disconnect(dispatch_uid="live-requests-finished")


@pytest.fixture
def page(browser, live_server):
    """A desktop-sized page on the live server; page.errors collects script errors.

    Its service worker is blocked: Playwright's routes do not see what a worker fetches.
    """
    context = browser.new_context(
        viewport={"width": 1200, "height": 900},
        base_url=live_server.url,
        service_workers="block",
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()  # _live_server_quiet_before_flush waits for what the page still sends


def served_shipped_model(folder) -> str:
    """Make `folder` a folder of versions serving a copy of the shipped model; return its name."""
    import shutil
    from pathlib import Path

    from ml import registry
    from ml.inference import CURRENT

    shipped_root = Path(ROOT) / "models"
    shipped = registry.serving_version(shipped_root)
    shutil.copytree(shipped_root / shipped, Path(folder) / shipped)
    (Path(folder) / CURRENT).write_text(shipped + "\n")
    return shipped


@pytest.fixture
def models_dir(tmp_path, settings):
    """A folder of versions holding the shipped model, served; the site predicts with it."""
    root = tmp_path / "models"
    served_shipped_model(root)
    settings.MODEL_PATH = root
    return root


@pytest.fixture
def fake_models_dir(tmp_path, settings):
    """A folder of three stand-in versions, cnn-old serving: for promotions, not predictions."""
    from ml.inference import CURRENT, SERVED_MODEL

    for version in ("cnn-old", "cnn-new", "cnn-newer"):
        (tmp_path / version).mkdir()
        (tmp_path / version / SERVED_MODEL).write_bytes(b"flatbuffer")
    (tmp_path / CURRENT).write_text("cnn-old\n")
    settings.MODEL_PATH = tmp_path
    return tmp_path


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, is_superuser=True, username="reviewer")


def member(username: str, role: str | None):
    """A staff account holding `role` ("reviewer", "auditor") through grant_role, or none."""
    from django.core.management import call_command

    user = UserFactory(username=username, is_staff=True)
    if role:
        call_command("grant_role", username, role)
    return user


def api_as(user) -> APIClient:
    """An API client signed in as `user` (a session, as a browser's)."""
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def reviewer(db):
    return member("rita", "reviewer")


@pytest.fixture
def second_reviewer(db):
    return member("rosa", "reviewer")


@pytest.fixture
def auditor(db):
    return member("audrey", "auditor")


@pytest.fixture
def admin_client(client, staff_user):
    """A browser session of a staff member, for the admin pages."""
    client.force_login(staff_user)
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user_client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff_client(staff_user):
    client = APIClient()
    client.force_login(staff_user)
    return client


def number_png(indices, *, seed: int = 0, touch_share: float = 0.0, encoding="transparent"):
    """Draw MNIST test digits `indices` side by side as one wide PNG, as a canvas sends it."""
    from ml.number_synth import compose
    from ml.synth import encode

    digits = mnist_test_digits()
    rng = np.random.default_rng(seed)
    ink, _ = compose([digits.images[i] for i in indices], rng, touch_share=touch_share)
    return encode(ink, encoding, rng)


def number_of(indices) -> str:
    """Return the digits MNIST test digits `indices` are, as a string."""
    return "".join(str(mnist_test_digits().labels[i]) for i in indices)
