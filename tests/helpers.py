"""Helpers the API tests share: endpoints, request bodies, the error envelope."""

import base64

PREDICT = "/api/predictions/"
BATCH = "/api/predictions/batch/"
READ = "/api/readings/"


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def assert_error(response, status: int, code: str, message: str | None = None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    if message is not None:
        assert message in error["message"]
    return error
