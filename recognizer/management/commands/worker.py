"""Run background jobs: django-tasks' db_worker, looking after retrains whose worker died."""

import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection

from recognizer.modelops import jobs

REAPED = "Retrain #{id}: its worker stopped answering; {message}"


class Command(BaseCommand):
    help = (
        "Run queued background jobs (retraining), as manage.py db_worker does; also, as it "
        "starts and every RETRAIN_REAP_S, resume or fail retrains whose worker died."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true", help="stop when the queue is empty")
        parser.add_argument("--no-startup-delay", action="store_true")

    def handle(self, *args, batch: bool, no_startup_delay: bool, **options):
        self._reap()
        stop = threading.Event()
        reaper = threading.Thread(target=self._reap_every, args=(stop,), daemon=True)
        reaper.start()
        flags = [
            *(["--batch"] if batch else []),
            *(["--no-startup-delay"] if no_startup_delay else []),
        ]
        try:
            call_command("db_worker", *flags, verbosity=options["verbosity"])
        finally:
            stop.set()

    def _reap_every(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(settings.RETRAIN_REAP_S):
                self._reap()
        finally:
            connection.close()  # this thread's own connection

    def _reap(self) -> None:
        for job in jobs.retrain_jobs_reap():
            self.stderr.write(REAPED.format(id=job.pk, message=job.message))
