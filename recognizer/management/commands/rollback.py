"""manage.py rollback [VERSION]: serve an earlier model version again."""

from django.core.management.base import BaseCommand, CommandError

from ml.registry import RegistryError
from recognizer.core.access import PROMOTE, user_named
from recognizer.modelops.promotions import model_rollback


class Command(BaseCommand):
    help = "Serve the version the current one replaced, or the version named."

    def add_arguments(self, parser):
        parser.add_argument("version", nargs="?", help="default: the previous version")
        parser.add_argument("--by", metavar="USERNAME", help="record this user")

    def handle(self, *args, version, by, **options):
        try:
            promotion = model_rollback(version=version, by=user_named(by, perm=PROMOTE))
        except RegistryError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Now serving {promotion.version} (was {promotion.previous_version})"
            )
        )
