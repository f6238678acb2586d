"""Template filters that show figures as people read them: percentages, minutes."""

from django import template

register = template.Library()


@register.filter
def percent(share: float | None, places: int = 1) -> str:
    """Show a share of 0-1 as a percentage ("98.7%"), or a dash when there is none."""
    if share is None or share == "":
        return "–"
    return f"{float(share):.{int(places)}%}"


@register.filter
def minutes(span) -> str:
    """Show a timedelta in whole minutes ("15 minutes")."""
    count = round(span.total_seconds() / 60)
    return f"{count} minute{'' if count == 1 else 's'}"
