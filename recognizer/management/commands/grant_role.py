"""manage.py grant_role USERNAME reviewer|auditor: give someone a review role."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from recognizer.core import access
from recognizer.review import roles

ROLES = {"reviewer": access.REVIEWERS, "auditor": access.AUDITORS}
IN_WORDS = {"reviewer": "a reviewer", "auditor": "an auditor"}


class Command(BaseCommand):
    help = "Make a user a reviewer (relabel, exclude, export) or an auditor (read, export)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=sorted(ROLES))
        parser.add_argument(
            "--create",
            action="store_true",
            help="create the account if there is none (with no password: see changepassword)",
        )

    def handle(self, *args, username, role, create, **options):
        User = get_user_model()
        try:
            user = User.objects.get_by_natural_key(username)
        except User.DoesNotExist:
            if not create:
                raise CommandError(access.ERROR_NO_USER.format(name=username)) from None
            user = roles.user_create(username=username)
            self.stdout.write(
                f"Created {username}, with no password yet: manage.py changepassword {username}"
            )
        roles.user_grant_role(user=user, role=ROLES[role])
        self.stdout.write(self.style.SUCCESS(f"{username} is now {IN_WORDS[role]}."))
