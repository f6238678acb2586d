"""manage.py promote VERSION: serve a version by hand (a recorded human decision)."""

from django.core.management.base import BaseCommand, CommandError

from ml.registry import RegistryError
from recognizer.core.access import PROMOTE, user_named
from recognizer.modelops.promotions import model_promote
from recognizer.models import ModelPromotion


class Command(BaseCommand):
    help = "Serve this model version from the next request on, overriding the retrain rule."

    def add_arguments(self, parser):
        parser.add_argument("version")
        parser.add_argument("--by", metavar="USERNAME", help="record this user")
        parser.add_argument("--reason", default="", help="why, for the record")

    def handle(self, *args, version, by, reason, **options):
        try:
            promotion = model_promote(
                version=version,
                by=user_named(by, perm=PROMOTE),
                action=ModelPromotion.Action.MANUAL,
                report={"reason": reason} if reason else {},
            )
        except RegistryError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Now serving {promotion.version} (was {promotion.previous_version})"
            )
        )
