from django import template

from organizations.models import Organization, group_warnings

register = template.Library()


@register.filter
def warning_groups(warned):
    """Pairs ``(organization, warnings)``, or organizations carrying ``.warnings``, as one group per rule."""
    pairs = [item if isinstance(item, tuple | list) else (item, item.warnings) for item in warned]
    return group_warnings(pairs)


@register.filter
def community_name(org):
    """The name of the community ``org`` lies in (one query), or "" above communities."""
    if not org or not org.community_path:
        return ""
    return Organization.objects.filter(path=org.community_path).values_list("name", flat=True).first() or ""
