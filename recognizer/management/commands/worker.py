"""Run background jobs: django-tasks' db_worker, with retrains and shadows looked after."""

import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from recognizer.modelops import jobs, shadow

logger = logging.getLogger(__name__)
REAPED = "Retrain #{id}: its worker stopped answering; {message}"


class Command(BaseCommand):
    help = (
        "Run queued background jobs (retraining), as manage.py db_worker does. Beside them: "
        "resume or fail retrains whose worker died (as it starts and every RETRAIN_REAP_S), "
        "and read new drawings with every shadowing version (every SHADOW_READ_S)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="stop when the queue is empty")
        parser.add_argument("--no-startup-delay", action="store_true")

    def handle(self, *args, batch: bool, no_startup_delay: bool, **options):
        self._reap()
        stop = threading.Event()
        beside = threading.Thread(target=self._beside, args=(stop,), daemon=True)
        beside.start()
        flags = [
            *(["--batch"] if batch else []),
            *(["--no-startup-delay"] if no_startup_delay else []),
        ]
        try:
            call_command("db_worker", *flags, verbosity=options["verbosity"])
        finally:
            stop.set()

    def _beside(self, stop: threading.Event) -> None:
        """Read with the shadows every SHADOW_READ_S; reap dead retrains every RETRAIN_REAP_S."""
        reaped_at, behind = time.monotonic(), False
        try:
            # A full batch means more are waiting: read on at once, so that a shadow keeps up.
            while not stop.wait(0 if behind else settings.SHADOW_READ_S):
                try:
                    behind = shadow.shadow_read_pending() >= settings.SHADOW_BATCH
                    shadow.shadow_promote_ready()
                    if time.monotonic() - reaped_at >= settings.RETRAIN_REAP_S:
                        reaped_at = time.monotonic()
                        self._reap()
                except Exception:  # a database hiccup must not end the loop
                    logger.exception("the worker's housekeeping failed; trying again")
        finally:
            connection.close()  # this thread's own connection

    def _reap(self) -> None:
        for job in jobs.retrain_jobs_reap():
            self.stderr.write(REAPED.format(id=job.pk, message=job.message))
