"""A typed client generated from /api/schema/ (openapi-python-client) calls every endpoint.

Its models parse every answer against the schema, so a field the schema gets wrong (a
value outside its enum, a missing null) fails here, as it would in a user's client.
"""

import base64
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from recognizer.core import access
from tests.conftest import number_png
from tests.factories import UserFactory, stroke_png

pytestmark = pytest.mark.django_db(transaction=True)
PACKAGE = "digits_client"


@pytest.fixture
def client_package(tmp_path, live_server):
    """Generate the client from the live schema and import it."""
    import urllib.request

    schema = tmp_path / "schema.json"
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json") as response:
        schema.write_bytes(response.read())
    bin_dir = Path(sys.executable).parent  # the generator formats its output with ruff
    subprocess.run(
        [
            bin_dir / "openapi-python-client",
            "generate",
            "--path",
            schema,
            "--meta",
            "none",
            "--output-path",
            tmp_path / PACKAGE,
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )
    _import_unset(tmp_path / PACKAGE / "api")
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _import_unset(api: Path) -> None:
    """Work around openapi-python-client#1451 (0.29.1): an endpoint taking JSON or multipart
    annotates its body `| Unset` without importing it."""
    for module in api.rglob("*.py"):
        code = module.read_text()
        if "| Unset" in code and "Unset," not in code and "import Unset" not in code:
            module.write_text(
                code.replace("from ...types import ", "from ...types import Unset, ", 1)
            )


def call(package, operation: str, **arguments):
    """Call one generated operation; return its typed answer."""
    module = importlib.import_module(f"{PACKAGE}.api.{operation}")
    response = module.sync_detailed(**arguments)
    assert response.status_code < 400, (operation, response.status_code, response.content)
    return response


def test_generated_client_calls_every_endpoint(client_package, live_server):
    from django.core.management import call_command

    reviewer = UserFactory(username="rita", is_staff=True)
    call_command("grant_role", "rita", "reviewer")
    assert access.can(reviewer, access.RELABEL)
    token = Token.objects.create(user=reviewer).key
    models = importlib.import_module(f"{PACKAGE}.models")
    types = importlib.import_module(f"{PACKAGE}.types")
    client = importlib.import_module(PACKAGE).AuthenticatedClient(
        base_url=live_server.url, token=token, prefix="Token"
    )
    png = stroke_png()
    image = base64.b64encode(png).decode()

    reading = call(
        client_package,
        "api.api_readings_create",
        client=client,
        body=models.PredictionCreateRequest(image=image),
    ).parsed
    assert 0 <= reading.digit <= 9
    unlabelled = call(
        client_package,
        "api.api_predictions_create",
        client=client,
        body=models.PredictionCreateRequest(image=image),
        idempotency_key="2b9c0d4e-client",
    ).parsed
    assert unlabelled.label is None and unlabelled.label_source is None
    upload = models.PredictionUploadRequest(
        image=types.File(
            payload=__import__("io").BytesIO(png), file_name="seven.png", mime_type="image/png"
        )
    )
    uploaded = call(client_package, "api.api_predictions_create", client=client, body=upload).parsed
    batch = call(
        client_package,
        "api.api_predictions_batch_create",
        client=client,
        body=models.BatchCreateRequest(images=[image, image], labels=[7, None]),
    ).parsed
    assert batch.count == 2 and batch.results[0].label == 7

    listed = call(client_package, "api.api_predictions_list", client=client).parsed
    assert {d.id for d in listed.results} >= {unlabelled.id, uploaded.id}
    one = str(unlabelled.id)
    call(client_package, "api.api_predictions_retrieve", id=one, client=client)
    relabelled = call(
        client_package,
        "api.api_predictions_partial_update",
        id=one,
        client=client,
        body=models.LabelRequest(label=3),
    ).parsed
    assert relabelled.label == 3 and relabelled.label_source.value == "review"
    assert (
        call(client_package, "api.api_predictions_image_retrieve", id=one, client=client).content
        == png
    )
    call(client_package, "api.api_predictions_input_retrieve", id=one, client=client)
    history = call(client_package, "api.api_predictions_history_list", id=one, client=client).parsed
    assert [change.new_label for change in history] == [3]
    stats = call(client_package, "api.api_stats_retrieve", client=client).parsed
    assert stats.total == 4  # the reading stored nothing
    assert stats.review.waiting.second_opinion == 0
    queue = call(client_package, "api.api_review_queue_list", client=client).parsed
    assert unlabelled.id not in {d.id for d in queue.results}  # the reviewer settled it
    assert uploaded.id in {d.id for d in queue.results}
    assert all(d.review_reasons[-1].value == "unreviewed" for d in queue.results)
    _call_numbers(client_package, client, models)
    models = call(client_package, "api.api_models_retrieve", client=client).parsed
    assert [v.version for v in models.versions if v.serving] == [models.serving]
    assert models.drift.enough is False
    call(client_package, "healthz.healthz_retrieve", client=client)
    call(client_package, "livez.livez_retrieve", client=client)


def _call_numbers(client_package, client, models):
    """Read, store, list, fetch and correct a whole number through the typed client."""
    png = number_png([1, 3, 1, 11])
    image = base64.b64encode(png).decode()
    one_stroke = [[[10.0, 10.0], [400.0, 30.0]]]  # all the ink is one stroke: never cut
    read = call(
        client_package,
        "api.api_numbers_read_create",
        client=client,
        body=models.NumberCreateRequest(image=image, strokes=one_stroke),
    ).parsed
    assert len(read.digits) == 1 and read.digits[0].box[2] <= read.width
    stored = call(
        client_package,
        "api.api_numbers_create",
        client=client,
        body=models.NumberCreateRequest(image=image),
        idempotency_key="2026-client",
    ).parsed
    assert stored.number == "2026" and "/api/predictions/" in stored.digits[0].drawing
    listed = call(client_package, "api.api_numbers_list", client=client).parsed
    assert [n.id for n in listed.results] == [stored.id]
    one = str(stored.id)
    call(client_package, "api.api_numbers_retrieve", id=one, client=client)
    corrected = call(
        client_package,
        "api.api_numbers_partial_update",
        id=one,
        client=client,
        body=models.NumberFeedbackRequest(digits="2027"),
    ).parsed
    assert [d.label for d in corrected.digits] == [2, 0, 2, 7]
    image_back = call(client_package, "api.api_numbers_image_retrieve", id=one, client=client)
    assert image_back.content == png
