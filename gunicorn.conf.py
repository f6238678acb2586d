"""Gunicorn settings, from the environment (the Procfile and `make serve` use this)."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads (the gthread worker): idle keep-alive connections wait in the worker's poller.
# Sync workers stalled under wrk's keep-alive clients until the 30 s worker timeout.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Load the app once before forking; each worker loads the model as it starts (LiteRT,
# unlike TensorFlow, is safe to use after fork), not in its first request or health probe.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
# gunicorn's largest request line (the default is 4094), so that the site's own
# MAX_URL_LENGTH (4096) answers a long address with JSON instead of gunicorn's HTML 414.
limit_request_line = 8190
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))


def post_worker_init(worker):
    """Load the served model before the worker takes requests."""
    from recognizer.serving.predictor import get_predictor

    try:
        get_predictor()
    except Exception as exc:  # /healthz says so, with the reason; the worker still serves pages
        worker.log.warning("model not loaded: %s", exc)
