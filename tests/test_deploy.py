"""The container and the Procfile must start the site the same way (no Docker engine here)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def _procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_dockerfile_runs_the_procfile_web_command():
    command = re.search(r"^CMD (\[.*\])$", _dockerfile(), re.M).group(1)
    assert " ".join(eval(command)) == _procfile()["web"]


def test_dockerfile_installs_the_web_requirements_without_tensorflow():
    docker = _dockerfile()
    assert "pip install --no-cache-dir -r requirements.txt" in docker
    lines = (ROOT / "requirements.txt").read_text().lower().splitlines()
    names = {re.split(r"[=<>\[ ]", line)[0] for line in lines if line and line[0].isalpha()}
    assert "ai-edge-litert" in names and not any("tensorflow" in name for name in names)
    # TensorFlow only in a worker image built with --build-arg REQUIREMENTS=requirements-ml.txt.
    assert re.search(r"^ARG REQUIREMENTS=requirements.txt$", docker, re.M)
    assert "requirements-dev" not in docker


def test_dockerfile_is_slim_non_root_and_health_checked():
    docker = _dockerfile()
    assert re.search(r"^FROM python:3\.11-slim$", docker, re.M)
    assert re.search(r"^USER app$", docker, re.M)
    assert "/healthz" in re.search(r"^HEALTHCHECK .*(?:\n\s+.*)*", docker, re.M).group(0)


def test_dockerignore_keeps_the_served_model_but_not_training_files():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert "models/_training" in ignored and ".venv" in ignored
    assert not any(line in ("models", "models/", "models/*") for line in ignored)


def test_procfile_migrates_on_release_and_serves_with_gunicorn():
    procfile = _procfile()
    assert procfile["release"] == "python manage.py migrate --noinput"
    assert procfile["web"].startswith("gunicorn mnistsite.wsgi")
    config = (ROOT / "gunicorn.conf.py").read_text()
    assert "WEB_CONCURRENCY" in config and "PORT" in config


def test_container_runs_the_release_step_before_serving():
    entrypoint = re.search(r"^ENTRYPOINT (\[.*\])$", _dockerfile(), re.M).group(1)
    (script,) = eval(entrypoint)
    text = (ROOT / script).read_text()
    assert _procfile()["release"] in text and text.rstrip().endswith('exec "$@"')
    assert (ROOT / script).stat().st_mode & 0o111  # executable, as COPY keeps it


def test_compose_runs_the_procfile_commands_with_postgres_and_redis():
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services, procfile = compose["services"], _procfile()
    assert " ".join(services["web"]["command"]) == procfile["web"]
    assert " ".join(services["worker"]["command"]) == procfile["worker"]
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert "@db:5432/" in env["DATABASE_URL"] and env["REDIS_URL"].startswith("redis://redis:")
    assert services["worker"]["build"]["args"]["REQUIREMENTS"] == "requirements-ml.txt"
    assert "8000:8000" in services["web"]["ports"]
