"""What the councils app plugs into the layers below it (portal/registry.py, organizations/hooks.py).
Imported once at start-up by ``PortalConfig.ready()``; nothing below imports this app."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from councils import appraisal_views, council_attention, council_demo, dashboard, demo, home
from councils.compliance import QUARTER_NAMES
from councils.models import (
    AgendaItem,
    Comment,
    CommentModeration,
    Exemption,
    FollowUpTask,
    ImplementationTask,
    Meeting,
    ProgressNote,
    ScheduleRule,
)
from members import hooks as member_hooks
from organizations.access import scope_by
from portal import registry
from portal.registry import AttentionItem, Column, Panel, Severity

# -- the organization tree: how each model reaches the organization that scopes it -----------------

scope_by("councils.meeting", "organization")
scope_by("councils.attendance", "meeting__organization")
scope_by("councils.decision", "meeting__organization")
scope_by("councils.minutesrevision", "meeting__organization")
scope_by("councils.attachment", "meeting__organization")
scope_by("councils.followuptask", "meeting__organization")
scope_by("councils.monthlytheme", "organization")
scope_by("councils.schedulerule", "street")
scope_by("councils.exemption", "organization")
scope_by("councils.appraisalround", "organization")
scope_by("councils.appraisal", "round__organization")

# -- a member's page: their appraisals, with the evidence of each year ----------------------------

member_hooks.member_sections.register(
    member_hooks.MemberSection(
        "councils.appraisals", "councils/_member_appraisals.html", appraisal_views.member_section, 20
    )
)

# -- schedule rules: what the dashboard's and the home page's figures are computed from ------------

registry.version_parts.register(
    registry.VersionPart("councils.meetings", (registry.Read(Meeting),), 50),
    registry.VersionPart("councils.rules", (registry.Read(ScheduleRule),), 51),
    registry.VersionPart("councils.exemptions", (registry.Read(Exemption),), 52),
    registry.VersionPart("councils.tasks", (registry.Read(FollowUpTask),), 53),
)

# -- attention: periods missed this year (also on every dashboard row), overdue follow-up tasks -------

registry.attention.register(
    AttentionItem(
        key=home.MISSED,
        title=_("组织生活未按期召开"),
        hint=_("本年度已结束的月份、季度中，会议次数未达到频次规定的，请查看并补开或说明。"),
        severity=Severity.HIGH,
        counter=home.count_missed,
        url=lambda org: home.compliance_url(org),
        unit=_("次"),
        row_counts=dashboard.row_attention,
        order=60,
    ),
    AttentionItem(
        key=home.OVERDUE_TASKS,
        title=_("会议决定的跟进任务已逾期"),
        hint=_("请督促落实，完成后登记完成情况。"),
        severity=Severity.MEDIUM,
        counter=home.count_overdue_tasks,
        url=lambda org: f"{reverse('councils:tasks')}?org={org.pk}&state=overdue",
        unit=_("项"),
        order=61,
    ),
)

# -- the home page: warnings before a period ends, the month's theme Party day ----------------------

registry.panels.register(
    Panel("councils.due_soon", "home", "attention", "councils/rules/_home_due_soon.html", home.due_soon, 30),
    Panel("councils.month_theme", "home", "body", "councils/themes/_home_theme.html", home.month_theme, 30),
)

# -- the dashboard: missed periods per child organization and quarter, the compliance page ---------

registry.tables.register(registry.Table("councils.compliance", _("组织生活未达标次数（所选日期所在年度）"), order=20))
for order, quarter in enumerate(dashboard.QUARTERS):
    registry.columns.register(
        Column(
            f"councils.missed_q{quarter}",
            QUARTER_NAMES[quarter],
            dashboard.missed_in(quarter),
            table="councils.compliance",
            order=order,
        )
    )
registry.columns.register(
    Column("councils.missed_year", _("年度规定"), dashboard.missed_in("year"), table="councils.compliance", order=10),
    Column("councils.missed_total", _("合计"), dashboard.missed_total, table="councils.compliance", order=11),
)
registry.panels.register(
    Panel("councils.compliance", "dashboard", "buttons", "councils/rules/_dashboard_buttons.html", dashboard.buttons)
)

# -- demo data: two years of meetings, themes and last year's appraisal, after the register ---------

registry.demo_steps.register(
    registry.DemoStep("councils.meetings", demo.build_councils, 50, describe=demo.describe_councils)
)

# -- the Party-member council (issue 15) ----------------------------------------------------------

scope_by("councils.council", "organization")
scope_by("councils.councilmember", "council__organization")
scope_by("councils.councilmeeting", "council__organization")
scope_by("councils.agendaitem", "organization")
scope_by("councils.agendastep", "item__organization")
scope_by("councils.agendaentry", "item__organization")
scope_by("councils.resolution", "organization")
scope_by("councils.consultationoutcome", "item__organization")
scope_by("councils.comment", "item__organization")
scope_by("councils.commentmoderation", "comment__item__organization")
scope_by("councils.implementationtask", "item__organization")
scope_by("councils.progressnote", "item__organization")
scope_by("councils.progressphoto", "note__item__organization")


def _council_list(name, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return lambda org: f"{reverse(name)}?org={org.pk}&{query}"


for order, (key, title, hint, severity, unit, url) in enumerate(
    [
        (
            "council_items_stuck",
            _("议题在同一环节停留过久"),
            _("确立、制订、采纳、评估或实施环节超过规定天数没有进展，请推进或说明原因。"),
            Severity.MEDIUM,
            _("项"),
            _council_list("councils:items", attention="stuck"),
        ),
        (
            "council_tasks_overdue",
            _("议题实施任务已逾期"),
            _("完成期限已过，尚未登记完成。"),
            Severity.HIGH,
            _("项"),
            _council_list("councils:item_tasks", attention="overdue"),
        ),
        (
            "council_comments_pending",
            _("社区议事园居民意见待审核"),
            _("审核后才在社区议事园公开显示。"),
            Severity.LOW,
            _("条"),
            _council_list("councils:comments", status="pending"),
        ),
    ]
):
    registry.attention.register(
        registry.AttentionItem(
            key=key,
            title=title,
            hint=hint,
            severity=severity,
            counter=council_attention.count_attention,
            url=url,
            unit=unit,
            order=300 + order,
        )
    )


# What the council's counts are computed from.
registry.version_parts.register(
    registry.VersionPart(
        "councils.council",
        (
            registry.Read(AgendaItem),
            registry.Read(ImplementationTask),
            registry.Read(ProgressNote, "id"),
            registry.Read(Comment, "id"),
            registry.Read(CommentModeration, "id"),
        ),
        300,
    )
)

# -- demo data: the council's items in every step, after the register and the services -----------

registry.demo_steps.register(
    registry.DemoStep("councils.council", council_demo.build, 70, describe=council_demo.describe)
)
