"""When a schedule rule, an exemption or a follow-up task last changed, and an index on when a
meeting did: the dashboard's cached compliance figures and the home page's counts are kept per
data version (``portal.dashboard.data_version``), which reads these maxima on every view."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("councils", "0002_default_schedule_rules")]

    operations = [
        migrations.AddField(
            model_name="schedulerule",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="更新时间"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="exemption",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="更新时间"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="followuptask",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="更新时间"),
            preserve_default=False,
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["updated_at"], name="councils_me_updated_3efc55_idx"),
        ),
    ]
