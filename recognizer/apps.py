from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _roles_sync(sender, **kwargs):
    from recognizer.review import roles  # models are ready only once the app is

    roles.roles_sync(using=kwargs.get("using", "default"))


class RecognizerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recognizer"
    verbose_name = "Digit recognizer"

    def ready(self):
        # The admin lives with the review area, not at the app's root where autodiscovery looks.
        from recognizer.review import admin, modelops_admin  # noqa: F401

        # After every migrate (and flush), like Django's own permissions: the role groups
        # exist with exactly the permissions `recognizer.core.access.ROLES` gives them.
        post_migrate.connect(_roles_sync, sender=self)
