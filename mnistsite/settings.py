"""Settings for the digit recognition site, read from the environment (12-factor)."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ml.config import SHIPPED_MODELS
from ml.label_quality import LIKELY_WRONG

BASE_DIR = Path(__file__).resolve().parent.parent

ERROR_NO_SECRET = (
    "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
    "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
)


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable."""
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        # One line, no traceback: the site must not start with a guessable key.
        sys.exit(f"ImproperlyConfigured: {ERROR_NO_SECRET}")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the site's hosts in production")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "recognizer",
]

MIDDLEWARE = [
    "recognizer.core.middleware.BodySizeLimitMiddleware",
    "recognizer.serving.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "recognizer.core.owners.VisitorCookieMiddleware",
    "recognizer.core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "mnistsite.urls"
WSGI_APPLICATION = "mnistsite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# PostgreSQL in production and CI; an SQLite file so the quick start needs nothing.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 3
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Tests on SQLite use a file, not Django's shared in-memory database: the browser tests'
    # live server then has a connection of its own, and its write waits out the test's read
    # (SQLite's busy timeout) instead of failing at once with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Sign-in attempts are counted (django-axes, in the database): after SIGN_IN_FAILURE_LIMIT
# wrong passwords for one account, or from one address, that account or address is locked
# out for SIGN_IN_LOCKOUT_MINUTES; a right password resets the account's count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SIGN_IN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SIGN_IN_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_RESET_ON_SUCCESS = True
# The address the rate limits count: X-Forwarded-For only from TRUSTED_PROXY_COUNT proxies.
AXES_CLIENT_IP_CALLABLE = "recognizer.core.owners.client_address"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False  # no banner on every manage.py command

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
if DEBUG:
    # WhiteNoise serves from the app folders in debug, but warns on every start (and in
    # every test) while collectstatic's folder does not exist yet.
    STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# The model versions shipped with the code: read, never written.
SHIPPED_MODEL_PATH = BASE_DIR / SHIPPED_MODELS
# This host's folder of model versions with a CURRENT pointer (or one artifact folder):
# runtime state, made from the shipped versions at first use. Which version serves is a
# database row; each host unpacks it here from the database, and retrains write here.
MODEL_PATH = Path(os.environ.get("MODEL_PATH", BASE_DIR / "var" / "models"))
# How often a worker asks the database which version serves (one indexed SELECT).
MODEL_CHECK_SECONDS = float(os.environ.get("MODEL_CHECK_SECONDS", 2))
# How often an open drawing page asks which version serves, to read with it in the browser.
BROWSER_MODEL_CHECK_SECONDS = float(os.environ.get("BROWSER_MODEL_CHECK_SECONDS", 60))
MAX_IMAGE_BYTES = int(os.environ.get("MAX_IMAGE_BYTES", 2 * 1024 * 1024))
# 4 MP: a 2048x2048 drawing, twice the largest canvas side we know of; larger is refused
# from the header before a pixel is decoded.
MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", 2048 * 2048))
MAX_BATCH_SIZE = int(os.environ.get("MAX_BATCH_SIZE", 64))
# A drawn number with more digits than this is refused (422): a postcode, a year, an amount.
NUMBER_MAX_DIGITS = int(os.environ.get("NUMBER_MAX_DIGITS", 12))
# All the images of one request, from their headers, before any is decoded: 32 MP is 8
# drawings of the largest size, or 64 of 700x700 (a 280 px canvas PNG is 0.08 MP).
MAX_REQUEST_PIXELS = int(os.environ.get("MAX_REQUEST_PIXELS", 32 * 1000 * 1000))
LOW_CONFIDENCE = float(os.environ.get("LOW_CONFIDENCE", 0.8))
# A label scoring this much (1 - the model's probability for it) is "likely wrong": it heads the
# review queue and waits for a reviewer before it trains (measured by `python -m ml.mistaps`).
LABEL_LIKELY_WRONG = float(os.environ.get("LABEL_LIKELY_WRONG", LIKELY_WRONG))
# A reviewer's label that disagrees with both the drawer and the model trains only once a
# second reviewer agrees with it.
SECOND_OPINION = env_bool("SECOND_OPINION", True)
# How long the person who drew a digit may change their answer (once) after giving it.
FEEDBACK_CHANGE_SECONDS = int(os.environ.get("FEEDBACK_CHANGE_SECONDS", 600))
# How long an Idempotency-Key replays its request; after that it is free for a new one.
IDEMPOTENCY_KEY_SECONDS = int(os.environ.get("IDEMPOTENCY_KEY_SECONDS", 24 * 3600))
# A whole request body, whatever its type: refused from its Content-Length before it is read.
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", MAX_IMAGE_BYTES * 3))
# A request stops working (and stores nothing) past this many seconds, well before
# gunicorn's timeout kills the worker.
REQUEST_TIME_BUDGET_S = float(os.environ.get("REQUEST_TIME_BUDGET_S", 10))
# Path and query string: longer is a 414 JSON answer (gunicorn's own limit on the whole
# request line, limit_request_line in gunicorn.conf.py, is set above it).
MAX_URL_LENGTH = int(os.environ.get("MAX_URL_LENGTH", 4096))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_IMAGE_BYTES
FILE_UPLOAD_HANDLERS = [
    "recognizer.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/")

# Background jobs (retraining) wait in PostgreSQL; `manage.py db_worker` runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A running retrain's worker beats every RETRAIN_HEARTBEAT_S; a job whose heartbeat stops
# for RETRAIN_DEAD_AFTER_S is taken for dead (its worker was killed) by any worker, which
# resumes it from its last epoch, at most RETRAIN_MAX_ATTEMPTS runs in all, then fails it.
RETRAIN_HEARTBEAT_S = float(os.environ.get("RETRAIN_HEARTBEAT_S", 10))
RETRAIN_DEAD_AFTER_S = float(os.environ.get("RETRAIN_DEAD_AFTER_S", 60))
RETRAIN_MAX_ATTEMPTS = int(os.environ.get("RETRAIN_MAX_ATTEMPTS", 3))
# How often a worker looks for dead retrains, besides when it starts.
RETRAIN_REAP_S = float(os.environ.get("RETRAIN_REAP_S", 30))
# Shadows: every SHADOW_READ_S a worker reads up to SHADOW_BATCH new drawings with each
# shadowing version. A retrain's candidate approved offline is promoted only once it is as
# good as the serving model on LIVE_EVIDENCE_MIN labelled live drawings (0: at once).
SHADOW_READ_S = float(os.environ.get("SHADOW_READ_S", 5))
SHADOW_BATCH = int(os.environ.get("SHADOW_BATCH", 256))
LIVE_EVIDENCE_MIN = int(os.environ.get("LIVE_EVIDENCE_MIN", 50))

# Throttle counters (and any other cache use) in Redis when REDIS_URL is set, so that rate
# limits hold across workers and hosts; otherwise in each worker's memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "mnistsite"),
        # A Redis outage must not stall requests: throttles then let requests through.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# How many proxies (load balancer, router) in front of the site append to X-Forwarded-For
# and set X-Forwarded-Proto. 0: none, so both headers are the caller's to forge and ignored.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "recognizer.core.owners.VisitorCsrfCheck",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": [
        "recognizer.core.parsers.SafeJSONParser",
        "recognizer.core.parsers.OnceMultiPartParser",
        "recognizer.core.parsers.OnceFormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "recognizer.core.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "predict_anon": os.environ.get("PREDICT_ANON_RATE", "120/min"),
        "predict_user": os.environ.get("PREDICT_USER_RATE", "600/min"),
        # Live readings while drawing: several per digit, nothing stored.
        "read_anon": os.environ.get("READ_ANON_RATE", "300/min"),
        "read_user": os.environ.get("READ_USER_RATE", "1200/min"),
    },
    # JSON for every Accept header, a browser's included: /api/docs/ is the interactive view.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "recognizer.core.parsers.JSONWhateverAccept",
    # Throttles count clients by REMOTE_ADDR unless proxies that we trust add X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Digit recognition API",
    "DESCRIPTION": "Send a handwritten digit, get the digit and the probability of each.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI served by the site itself (the sidecar package), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The one PATCH sets a label, which it requires: not a "Patched" copy with all optional.
    "COMPONENT_SPLIT_PATCH": False,
    "ENUM_NAME_OVERRIDES": {
        "DrawingSourceEnum": "recognizer.models.Drawing.Source",
        "LabelSourceEnum": "recognizer.models.Drawing.LabelSource",
        "UncertainReasonEnum": "recognizer.models.Prediction.Uncertainty",
    },
}

# Security: strict in production, relaxed only where DEBUG needs it.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# X-Forwarded-Proto says "https" only when our own proxy sets it; a client could send it too.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXY_COUNT else None
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Only the site's own scripts and styles; images may also be data:/blob: (canvas, uploads).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        # WebAssembly for the browser's own model (LiteRT.js); never 'unsafe-eval'.
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "worker-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own configuration gives "django" a console handler too: one line per event.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}

# Signed-in users' sessions live in the database, so that logging out (or deleting the row)
# revokes them everywhere. Anonymous visitors carry only a signed visitor id in their own
# cookie (recognizer.core.owners): no session row per visitor.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
VISITOR_COOKIE_AGE = 60 * 60 * 24 * 365
CSRF_FAILURE_VIEW = "recognizer.core.errors.csrf_failure"
