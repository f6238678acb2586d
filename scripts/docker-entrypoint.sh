#!/bin/sh
# Run the Procfile's release step (migrate) before the web server starts, as a platform
# with a release phase would. MIGRATE_ON_START=0 where something else migrates first.
set -e
if [ "${MIGRATE_ON_START:-1}" = "1" ] && [ "$1" = "gunicorn" ]; then
  python manage.py migrate --noinput
fi
exec "$@"
