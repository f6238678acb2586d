"""manage.py grant_role USERNAME reviewer|auditor: give someone a review role."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from recognizer import access, services

ROLES = {"reviewer": access.REVIEWERS, "auditor": access.AUDITORS}


class Command(BaseCommand):
    help = "Make a user a reviewer (relabel, exclude, export) or an auditor (read, export)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=sorted(ROLES))

    def handle(self, *args, username, role, **options):
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            raise CommandError(access.ERROR_NO_USER.format(name=username)) from None
        services.user_grant_role(user=user, role=ROLES[role])
        self.stdout.write(self.style.SUCCESS(f"{username} is now a {role}."))
