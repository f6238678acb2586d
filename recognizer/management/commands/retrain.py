"""manage.py retrain: MNIST plus labelled real drawings -> a new version, promoted if better."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ml.registry import RegistryError
from recognizer.core.access import PROMOTE, user_named
from recognizer.modelops import jobs, runner
from recognizer.modelops.retraining import RetrainOptions
from recognizer.models import RetrainJob

NOT_ASKED = "{version} passes the promotion rule but was not promoted (--no-promote)"
QUICK_NEVER_PROMOTED = (
    "{version} is a --quick smoke run (600 digits, one epoch, compared on 1,000 test digits): "
    "never promoted on its own; promote it by hand if you really mean to"
)
WORKER_GRACE_SECONDS = 10  # --wait runs the job here if no worker has taken it by then


class Command(BaseCommand):
    help = "Retrain on MNIST plus labelled drawings; promote only if not worse."

    def add_arguments(self, parser):
        defaults = RetrainOptions()
        parser.add_argument("--epochs", type=int, default=defaults.epochs)
        parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
        parser.add_argument("--extra-weight", type=float, default=defaults.extra_weight)
        parser.add_argument("--holdout", type=float, default=defaults.holdout)
        parser.add_argument("--arch", default=defaults.arch, choices=["cnn", "lenet5"])
        parser.add_argument("--scratch", action="store_true", help="do not fine-tune")
        parser.add_argument(
            "--init-version", metavar="VERSION", help="fine-tune this version, not the serving one"
        )
        parser.add_argument(
            "--mnist-tolerance",
            type=float,
            default=defaults.mnist_tolerance,
            help="MNIST test accuracy a promotion may give up, e.g. 0.0005 (default 0: none)",
        )
        parser.add_argument("--quick", action="store_true", help="smoke test: tiny data, 1 epoch")
        parser.add_argument("--no-promote", action="store_true", help="report only")
        parser.add_argument("--by", metavar="USERNAME", help="record this user as promoter")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--enqueue", action="store_true", help="queue it for a worker, return")
        where.add_argument(
            "--wait",
            action="store_true",
            help="queue it for a worker and wait (run it here if no worker takes it)",
        )

    def handle(self, *args, **opts):
        if not 0 <= opts["holdout"] < 1:
            raise CommandError("--holdout is a share between 0 and 1, e.g. 0.2.")
        options = RetrainOptions.from_mapping(opts)
        try:
            job = jobs.retrain_job_start(
                options=options,
                by=user_named(opts["by"], perm=PROMOTE),
                # A smoke run's comparison is too small to trust with what serves.
                promote=not (opts["no_promote"] or opts["quick"]),
                enqueue=opts["enqueue"] or opts["wait"],
            )
        except jobs.RetrainRunningError as error:
            raise CommandError(str(error)) from error
        if opts["enqueue"]:
            self.stdout.write(f"queued retrain #{job.pk}")
            return
        try:
            if opts["wait"]:
                self._wait(job)
            else:
                runner.retrain_job_run(job_id=job.pk)
        except RegistryError as error:
            raise CommandError(str(error)) from error
        job.refresh_from_db()
        if job.status != RetrainJob.Status.SUCCEEDED:
            raise CommandError(f"retrain #{job.pk} failed: {job.message}")
        self._report(job)

    def _wait(self, job: RetrainJob) -> None:
        waited = 0.0
        while job.active:
            if job.status == RetrainJob.Status.QUEUED and waited >= WORKER_GRACE_SECONDS:
                # No worker took it: process the queue here, exactly as a worker would.
                call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
            time.sleep(1)
            waited += 1
            job.refresh_from_db()

    def _report(self, job: RetrainJob):
        r = job.report
        real = "no held-out drawings"
        if r["real_count"]:
            real = f"{r['real_current']:.2%} -> {r['real_new']:.2%} ({r['real_count']} drawings)"
        self.stdout.write(f"candidate {r['new_version']}, serving {r['current_version']}")
        self.stdout.write(f"  trained with {r['trained_on_drawings']} real drawings")
        held = r.get("held_back_drawings") or {}
        if any(held.values()):
            self.stdout.write(
                f"  held back until a reviewer looks: {held['likely_wrong']} likely-wrong "
                f"label(s), {held['second_opinion']} awaiting a second opinion"
            )
        self.stdout.write(
            f"  MNIST test: {r['mnist_current']:.2%} -> {r['mnist_new']:.2%} ({r['mnist_count']})"
        )
        self.stdout.write(f"  held-out real drawings: {real}")
        if "digits_flagged_new" in r:
            self.stdout.write(
                f'  "not sure" on MNIST test digits: {r["digits_flagged_current"]:.2%} -> '
                f"{r['digits_flagged_new']:.2%}; on {r['negatives_count']} generated non-digits: "
                f"{r['negatives_flagged_current']:.2%} -> {r['negatives_flagged_new']:.2%}"
            )
        if r["promoted"]:
            self.stdout.write(self.style.SUCCESS(f"{job.message}; now serving {r['new_version']}"))
        elif r.get("awaiting_live"):
            self.stdout.write(self.style.WARNING(f"{r['new_version']}: {job.message}"))
        elif r["approved"] and job.options.get("quick"):
            self.stdout.write(
                self.style.WARNING(QUICK_NEVER_PROMOTED.format(version=r["new_version"]))
            )
        elif r["approved"]:
            self.stdout.write(self.style.WARNING(NOT_ASKED.format(version=r["new_version"])))
        else:
            self.stdout.write(self.style.WARNING(job.message))
