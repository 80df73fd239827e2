from django.core.management.base import CommandError

from organizations.models import Organization


def organization_named(value):
    """An organization by id or by its exact name; a clear error when none or several match."""
    matches = Organization.objects.filter(pk=value) if str(value).isdigit() else Organization.objects.filter(name=value)
    matches = list(matches[:2])
    if not matches:
        raise CommandError(f"找不到组织“{value}”。")
    if len(matches) > 1:
        raise CommandError(f"有多个组织名为“{value}”，请改用组织编号。")
    return matches[0]
