"""The defaults of 《中国共产党支部工作条例（试行）》 (in force from 28 October 2018) as schedule rules.

The Party lesson's frequency is not fixed by the regulation: it is seeded as a local rule (once a
quarter) for the street committee to change. Rules seeded here have no street: they apply to every
street until a street records its own rule of the same kind.
"""

import datetime

from django.db import migrations

REGULATION = "《中国共产党支部工作条例（试行）》"
IN_FORCE = datetime.date(2018, 10, 28)

DEFAULTS = [
    # (organization kind, condition, meeting kind, period, at least, usual months, local rule, source text)
    (
        "branch",
        "",
        "general",
        "quarter",
        1,
        "",
        False,
        f"{REGULATION}第十一条：党支部党员大会是党支部的议事决策机构，由全体党员参加，一般每季度召开1次。",
    ),
    (
        "branch",
        "with_committee",
        "committee",
        "month",
        1,
        "",
        False,
        f"{REGULATION}第十二条：党支部委员会是党支部日常工作的领导机构，一般每月召开1次。"
        "（正式党员7人以上、设立支部委员会的党支部适用。）",
    ),
    (
        "group",
        "",
        "group",
        "month",
        1,
        "",
        False,
        f"{REGULATION}第十三条：党支部下设党小组的，党小组会一般每月召开1次。（按每个党小组计。）",
    ),
    (
        "branch",
        "",
        "theme_day",
        "month",
        1,
        "",
        False,
        f"{REGULATION}第十六条：党支部每月相对固定1天开展主题党日，组织党员集中学习、过组织生活、进行民主议事和志愿服务等。",
    ),
    (
        "branch",
        "",
        "life_meeting",
        "year",
        1,
        "10,11,12",
        False,
        f"{REGULATION}第十七条：组织生活会一般每年召开1次，一般安排在第四季度。",
    ),
    (
        "branch",
        "",
        "appraisal",
        "year",
        1,
        "10,11,12",
        False,
        f"{REGULATION}第十七条：党支部一般每年开展1次民主评议党员，组织党员对照合格党员标准进行自我评价和相互评价。",
    ),
    (
        "branch",
        "",
        "lesson",
        "quarter",
        1,
        "",
        True,
        f"本地规定：党课每季度至少1次。{REGULATION}未规定党课频次（第十六条要求党员领导干部定期为党员讲党课，"
        "党支部书记每年至少为党员讲1次党课）；街道党工委可修改本规定。",
    ),
]


def seed(apps, schema_editor):
    ScheduleRule = apps.get_model("councils", "ScheduleRule")
    for org_kind, condition, meeting_kind, period, at_least, months, local, text in DEFAULTS:
        ScheduleRule.objects.get_or_create(
            street=None,
            organization_kind=org_kind,
            meeting_kind=meeting_kind,
            effective_from=IN_FORCE,
            defaults={
                "condition": condition,
                "period": period,
                "min_count": at_least,
                "usual_months": months,
                "local_rule": local,
                "source_text": text,
            },
        )


def unseed(apps, schema_editor):
    ScheduleRule = apps.get_model("councils", "ScheduleRule")
    ScheduleRule.objects.filter(street=None, effective_from=IN_FORCE).delete()


class Migration(migrations.Migration):
    dependencies = [("councils", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
