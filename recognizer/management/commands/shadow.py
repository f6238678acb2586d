"""manage.py shadow VERSION: let a stored version read live drawings beside the serving one."""

from django.core.management.base import BaseCommand, CommandError

from recognizer.core.access import PROMOTE, user_named
from recognizer.modelops.shadow import model_shadow_start, model_shadow_stop

STARTED = (
    "{version} shadows the serving model from now on; a worker reads each new drawing with it."
)
DISMISSED = "{version} no longer shadows (its readings so far stay)."


class Command(BaseCommand):
    help = "Shadow the serving model with a stored version (or --dismiss a shadow)."

    def add_arguments(self, parser):
        parser.add_argument("version")
        parser.add_argument("--dismiss", action="store_true", help="stop shadowing")
        parser.add_argument("--by", metavar="USERNAME", help="record this user")

    def handle(self, *args, version, dismiss, by, **options):
        user = user_named(by, perm=PROMOTE)
        if dismiss:
            model_shadow_stop(version=version, by=user)
            self.stdout.write(DISMISSED.format(version=version))
            return
        try:
            model_shadow_start(version=version, by=user)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(STARTED.format(version=version)))
