from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _roles_sync(sender, **kwargs):
    from recognizer import services

    services.roles_sync(using=kwargs.get("using", "default"))


class RecognizerConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recognizer"
    verbose_name = "Digit recognizer"

    def ready(self):
        # After every migrate (and flush), like Django's own permissions: the role groups
        # exist with exactly the permissions `recognizer.access.ROLES` gives them.
        post_migrate.connect(_roles_sync, sender=self)
