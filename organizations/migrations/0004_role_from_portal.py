"""Roles move from the portal app to the organization tree (issue 17): in Django's model state only.

The table stays ``portal_role`` (the model's ``db_table``); nothing in the database changes except
the content type, which is renamed so that permissions and admin log entries keep pointing at it.
``portal.0004_role_to_organizations`` removes the model from the portal's state.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor, old="portal", new="organizations"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label=new, model="role").exists():
        ContentType.objects.using(db).filter(app_label=old, model="role").update(app_label=new)


def restore_content_type(apps, schema_editor):
    rename_content_type(apps, schema_editor, old="organizations", new="portal")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("organizations", "0003_updated_at_index"),
        ("portal", "0003_audit_search_and_prune"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Role",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("street_staff", "街道工作人员"),
                                    ("community_secretary", "社区党组织书记"),
                                    ("branch_secretary", "支部书记"),
                                    ("viewer", "只读查看"),
                                ],
                                max_length=32,
                                verbose_name="角色",
                            ),
                        ),
                        (
                            "organization",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="roles",
                                to="organizations.organization",
                                verbose_name="组织",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="roles",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="用户",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "角色",
                        "verbose_name_plural": "角色",
                        "db_table": "portal_role",
                        "constraints": [
                            models.UniqueConstraint(fields=("user", "organization", "kind"), name="unique_role")
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(rename_content_type, restore_content_type, elidable=True),
    ]
