"""Roles now live in the organizations app (``organizations.0004_role_from_portal``); the table
``portal_role`` stays, so this only removes the model from the portal's state."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0003_audit_search_and_prune"),
        ("organizations", "0004_role_from_portal"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Role")]),
    ]
