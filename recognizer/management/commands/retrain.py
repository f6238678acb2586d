"""manage.py retrain: MNIST plus labelled real drawings -> a new version, promoted if better."""

from django.core.management.base import BaseCommand, CommandError

from ml.registry import RegistryError
from recognizer.access import PROMOTE, user_named
from recognizer.retraining import RetrainOptions, model_retrain

NOT_ASKED = "{version} passes the promotion rule but was not promoted (--no-promote)"


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

    def handle(self, *args, **opts):
        if not 0 <= opts["holdout"] < 1:
            raise CommandError("--holdout is a share between 0 and 1, e.g. 0.2.")
        fields = RetrainOptions.__dataclass_fields__
        options = RetrainOptions(**{k: v for k, v in opts.items() if k in fields})
        by = user_named(opts["by"], perm=PROMOTE)
        try:
            result = model_retrain(options=options, by=by, promote=not opts["no_promote"])
        except RegistryError as error:
            raise CommandError(str(error)) from error
        self._report(result)

    def _report(self, result):
        c = result.comparison
        real = "no held-out drawings"
        if c.real_count:
            real = f"{c.real_current:.2%} -> {c.real_new:.2%} ({c.real_count} drawings)"
        self.stdout.write(f"candidate {c.new_version}, serving {c.current_version}")
        self.stdout.write(f"  trained with {result.trained_on} real drawings")
        self.stdout.write(
            f"  MNIST test: {c.mnist_current:.2%} -> {c.mnist_new:.2%} ({c.mnist_count})"
        )
        self.stdout.write(f"  held-out real drawings: {real}")
        if result.promoted:
            self.stdout.write(self.style.SUCCESS(f"{result.reason}; now serving {c.new_version}"))
        elif result.approved:
            self.stdout.write(self.style.WARNING(NOT_ASKED.format(version=c.new_version)))
        else:
            self.stdout.write(self.style.WARNING(result.reason))
