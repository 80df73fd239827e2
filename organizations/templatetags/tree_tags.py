from django import template

from organizations.models import group_warnings

register = template.Library()


@register.filter
def warning_groups(warned):
    """Pairs ``(organization, warnings)``, or organizations carrying ``.warnings``, as one group per rule."""
    pairs = [item if isinstance(item, tuple | list) else (item, item.warnings) for item in warned]
    return group_warnings(pairs)
