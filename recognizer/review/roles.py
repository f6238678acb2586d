"""Roles as Django groups: reviewer and auditor, kept equal to `core.access.ROLES`."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import transaction

from recognizer.core import access


def roles_sync(*, using: str = "default") -> None:
    """Create the reviewer and auditor groups with their permissions, or bring them up to date."""
    with transaction.atomic(using=using):
        for name, perms in access.ROLES.items():
            codenames = [perm.split(".", 1)[1] for perm in perms]
            group, _ = Group.objects.using(using).get_or_create(name=name)
            group.permissions.set(
                Permission.objects.using(using).filter(
                    content_type__app_label="recognizer", codename__in=codenames
                )
            )


def user_create(*, username: str) -> AbstractBaseUser:
    """Create an account that cannot sign in until someone sets its password."""
    user = get_user_model()(username=username)
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def user_grant_role(*, user: AbstractBaseUser, role: str) -> None:
    """Make `user` a reviewer or an auditor: a member of the role's group, in the admin."""
    with transaction.atomic():
        user.groups.add(Group.objects.get(name=role))
        if not user.is_staff:
            user.is_staff = True  # the review pages live in the admin
            user.save(update_fields=["is_staff"])
