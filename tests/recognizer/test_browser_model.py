"""What a page needs to read in the browser: the serving version, its file, the stored reading."""

import hashlib
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile

from ml import preprocessing
from ml.inference import BROWSER_MODEL
from recognizer.drawings.serializers import ERROR_BROWSER_HALF
from recognizer.models import Drawing
from recognizer.serving.browser import IMMUTABLE
from tests.factories import DrawingFactory
from tests.helpers import PREDICT, assert_error, data_url

pytestmark = pytest.mark.django_db
SERVING = "/api/models/serving/"
ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor" / "litertjs-2.5.3"
PROBABILITIES = [0.01] * 9 + [0.91]


def test_serving_model_names_the_version_its_file_and_calibration(client, models_dir):
    response = client.get(SERVING)
    body = response.json()
    assert response["Cache-Control"] == "no-cache"  # a promotion reaches open pages
    version = body["version"]
    assert body["browser_model"] == f"http://testserver/models/{version}/browser.tflite"
    assert set(body["calibration"]) == {"temperature", "not_digit_threshold", "ambiguous_threshold"}
    file = client.get(f"/models/{version}/browser.tflite")
    assert file.status_code == 200 and file["Cache-Control"] == IMMUTABLE
    assert b"".join(file.streaming_content) == (models_dir / version / BROWSER_MODEL).read_bytes()


def test_serving_model_predating_browser_files_gets_the_shipped_one(client, models_dir):
    version = client.get(SERVING).json()["version"]
    (models_dir / version / BROWSER_MODEL).unlink()  # a host's folder from before them
    assert client.get(SERVING).json()["browser_model"].endswith("/browser.tflite")
    assert client.get(f"/models/{version}/browser.tflite").status_code == 200


def test_serving_model_without_a_browser_file_reads_on_the_server(
    client, models_dir, settings, tmp_path
):
    settings.SHIPPED_MODEL_PATH = tmp_path / "shipped-elsewhere"
    version = client.get(SERVING).json()["version"]
    (models_dir / version / BROWSER_MODEL).unlink()
    assert client.get(SERVING).json()["browser_model"] is None
    response = client.get(f"/models/{version}/browser.tflite")
    assert_error(response, 404, "not_found", "has no browser model")


def test_browser_model_of_an_unknown_version_is_404(client, models_dir):
    assert_error(client.get("/models/cnn-nowhere/browser.tflite"), 404, "not_found")
    assert client.get("/models/../settings.py/browser.tflite").status_code == 404


def test_prediction_stores_the_browsers_reading_beside_the_servers(api_client, digit_png):
    body = {
        "image": data_url(digit_png(0)),
        "browser_version": "test-model",
        "browser_probabilities": PROBABILITIES,
    }
    created = api_client.post(PREDICT, body, format="json").json()
    assert (created["browser_version"], created["browser_digit"]) == ("test-model", 9)
    prediction = Drawing.objects.get().prediction
    assert prediction.browser_probabilities == PROBABILITIES


def test_prediction_takes_the_browsers_reading_from_a_form(api_client, digit_png):
    image = SimpleUploadedFile("d.png", digit_png(1), content_type="image/png")
    form = {
        "image": image,
        "browser_version": "v1",
        "browser_probabilities": json.dumps(PROBABILITIES),
    }
    response = api_client.post(PREDICT, form, format="multipart")
    assert response.status_code == 201 and response.json()["browser_digit"] == 9


@pytest.mark.parametrize(
    "extra",
    [
        {"browser_version": "v1"},
        {"browser_probabilities": PROBABILITIES},
    ],
)
def test_prediction_refuses_half_a_browser_reading(api_client, digit_png, extra):
    response = api_client.post(PREDICT, {"image": data_url(digit_png(0)), **extra}, format="json")
    assert_error(response, 400, "browser_reading", ERROR_BROWSER_HALF)
    assert not Drawing.objects.exists()


@pytest.mark.parametrize("probabilities", [[0.1] * 9, [2.0] * 10, "[0.1, oops]", ["a"] * 10])
def test_prediction_refuses_bad_browser_probabilities(api_client, digit_png, probabilities):
    body = {
        "image": data_url(digit_png(0)),
        "browser_version": "v1",
        "browser_probabilities": probabilities,
    }
    response = api_client.post(PREDICT, body, format="json")
    assert (
        response.status_code == 400
        and "browser_probabilities" in response.json()["error"]["message"]
    )
    assert not Drawing.objects.exists()


def test_stats_count_browser_readings_that_disagree(staff_client):
    same = {"prediction__model_version": "v2", "prediction__browser_version": "v2"}
    DrawingFactory(**same, prediction__digit=3, prediction__browser_digit=3)
    DrawingFactory(**same, prediction__digit=3, prediction__browser_digit=5)
    # Read with the version before a promotion: not the same model, not a disagreement.
    DrawingFactory(
        prediction__model_version="v2",
        prediction__digit=3,
        prediction__browser_version="v1",
        prediction__browser_digit=8,
    )
    DrawingFactory()  # read on the server alone
    browser = staff_client.get("/api/stats/").json()["browser"]
    assert browser == {"readings": 3, "same_version": 2, "disagreements": 1}


def test_service_worker_is_served_from_the_root_and_keeps_files_that_exist(client):
    response = client.get("/sw.js")
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", response.content.decode())[1])
    assert "/" in precache and SERVING in precache
    for url in precache:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url


def test_csp_allows_webassembly_and_never_eval(client):
    csp = client.get("/")["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]*)", csp)[1].split()
    assert script == ["'self'", "'wasm-unsafe-eval'"]
    assert "'unsafe-eval'" not in csp and "worker-src 'self'" in csp


def test_vendored_runtime_matches_its_recorded_checksums():
    record = (VENDOR / "VENDOR.txt").read_text()
    assert "packages: @litertjs/core@2.5.3 @litertjs/wasm-utils@2.5.3" in record
    sums = re.findall(r"^([0-9a-f]{64})  (\S+)$", record, flags=re.MULTILINE)
    assert len(sums) == 4
    for digest, name in sums:
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_browser_preprocessing_says_what_the_server_says():
    source = (ROOT / "static" / "js" / "preprocess.js").read_text()
    assert f'"{preprocessing.ERROR_EMPTY_DRAWING}"' in source
    assert f'"{preprocessing.ERROR_TOO_SMALL}"' in source
    for name in ("DIGIT_BOX", "MIN_CONTRAST", "NOISE_FLOOR", "BBOX_THRESHOLD", "MIN_EXTENT"):
        assert re.search(rf"const {name} = {getattr(preprocessing, name)};", source), name
