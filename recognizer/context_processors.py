from django.conf import settings


def site(request):
    """Expose the admin's configurable URL prefix to templates."""
    return {"admin_url": "/" + settings.ADMIN_URL}
