"""What the members app plugs into the layers below it: the portal's pages (portal/registry.py) and
the organization tree's rules and pages (organizations/hooks.py). Imported once at start-up by
``PortalConfig.ready()``; nothing below imports this app."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from members import dashboard, demo, home, views
from members.attention import ITEMS, count_attention
from members.changes import move_members_out, refuse_dissolving_with_members
from members.dashboard import BREAKDOWNS, QUALITY, figure
from members.models import Member, MemberChange, subtree_counts
from organizations import hooks
from organizations.access import scope_by
from organizations.models import add_dissolve_check
from portal import registry
from portal.registry import Column, Panel, Sheet, Summary

# -- the organization tree ------------------------------------------------------------------------

scope_by("members.member", "organization")
scope_by("members.memberchange", "member__organization")
scope_by("members.importbatch", "organization")


def member_counts(nodes, under=None):
    return subtree_counts(nodes, Member.objects.current().under(under) if under is not None else None)


hooks.provide_member_counts(member_counts)
add_dissolve_check(refuse_dissolving_with_members)
hooks.before_dissolve.append(move_members_out)
hooks.node_urls.append(path("<int:pk>/roster/print/", views.roster_print, name="roster_print"))

# -- attention: each item opens the member list filtered to exactly what it counts ----------------


def _attention_list(key):
    return lambda org: f"{reverse('members:list')}?org={org.pk}&attention={key}"


for order, item in enumerate(ITEMS):
    registry.attention.register(
        registry.AttentionItem(
            key=item.key,
            title=item.label,
            hint=item.hint,
            severity=item.severity,
            counter=count_attention,
            url=_attention_list(item.key),
            unit=_("名"),
            row_counts=figure(lambda row: row.attention),  # counted in the dashboard's own scan
            order=10 + order,
        )
    )

# -- the dashboard --------------------------------------------------------------------------------

registry.version_parts.register(
    registry.VersionPart("members.changes", (registry.Read(MemberChange, "id"),), 10),
    registry.VersionPart("members.register", (registry.Read(Member),), 30),
)


def _member_list(board, pk):
    return f"{reverse('members:list')}?org={pk}"


def _count(dimension, value):
    return figure(lambda row: row.figures.count(dimension, value))


def _changes(kind):
    return figure(lambda row: row.changes[kind])


_total = figure(lambda row: row.figures.total)
_self_managed = figure(lambda row: row.figures.self_managed)
_transfer_in, _transfer_out = _changes(MemberChange.Kind.TRANSFER_IN), _changes(MemberChange.Kind.TRANSFER_OUT)
_mobile_out, _mobile_in = _count("management_type", "mobile_out"), _count("management_type", "mobile_in")
registry.columns.register(
    Column("total", _("在册党员"), _total, href=_member_list, sort=_total, width=10, order=10),
    Column("self_managed", _("自管"), _self_managed, sort=_self_managed, width=8, order=20),
    Column("in_service", _("在职报到"), _count("management_type", "in_service"), width=10, order=30),
    Column(
        "mobile",
        _("流出/流入"),
        lambda board, pk: f"{_mobile_out(board, pk)} / {_mobile_in(board, pk)}",
        export=False,
        order=40,
    ),
    Column("mobile_out", _("流出"), _mobile_out, page=False, width=8, order=41),
    Column("mobile_in", _("流入"), _mobile_in, page=False, width=8, order=42),
    Column("probationary", _("预备党员"), _count("status", "probationary"), width=10, order=50),
    Column(
        "share_60_plus",
        _("60岁及以上"),
        _count("age_band", "60_plus"),
        sort=figure(lambda row: row.figures.share_60_plus),
        width=11,
        order=60,
    ),
    Column("transfer_in", _("今年转入"), _transfer_in, sort=_transfer_in, export_label=_("转入"), order=70),
    Column("transfer_out", _("今年转出"), _transfer_out, sort=_transfer_out, export_label=_("转出"), order=80),
    Column("admission", _("新发展"), _changes(MemberChange.Kind.ADMISSION), page=False, order=90),
    Column("death", _("逝世"), _changes(MemberChange.Kind.DEATH), page=False, order=100),
)
registry.row_warnings.register(registry.RowWarnings("members.size_rules", figure(lambda row: row.warnings), 10))

registry.tables.register(registry.Table("members.quality", _("档案完整性"), today_only=True, order=10))
for order, (key, (label, _condition)) in enumerate(QUALITY.items()):
    value = figure(lambda row, key=key: row.quality.get(key, 0))
    registry.columns.register(Column(f"quality.{key}", label, value, table="members.quality", order=order))

for order, (dimension, title) in enumerate(BREAKDOWNS):
    registry.summaries.register(
        Summary(
            f"members.{dimension}", lambda board, title=title: title, dashboard.breakdown_rows(dimension), 10 + order
        )
    )
registry.summaries.register(
    Summary(
        "members.year_changes",
        lambda board: _("%(year)s年变动") % {"year": board.day.year},
        dashboard.year_change_rows,
        50,
    )
)

registry.sheets.register(
    Sheet("members.overview", "总体情况", [("项目", 24), ("人数", 10)], dashboard.overview_sheet_rows, 10),
    Sheet("members.trend", "党员人数趋势", [("月份", 12), ("在册党员", 12)], dashboard.trend_sheet_rows, 30),
)

registry.panels.register(
    Panel("members.list", "dashboard", "buttons", "members/_dashboard_buttons.html", lambda b: {"org": b.scope}),
    Panel("members.headline", "dashboard", "headline", "members/_dashboard_headline.html", dashboard.headline_context),
    Panel("members.charts", "dashboard", "charts", "members/_dashboard_charts.html", dashboard.charts_context),
)

# -- the home page --------------------------------------------------------------------------------

registry.panels.register(
    Panel("members.quick_actions", "home", "top", "members/_home_quick_actions.html", home.quick_actions, 10),
    Panel("members.weak_branches", "home", "attention", "members/_home_weak_branches.html", home.weak_branches, 10),
    Panel("members.figures", "home", "body", "members/_home_figures.html", home.figures, 10),
    Panel("members.changes", "home", "body", "members/_home_changes.html", home.month_changes, 20),
)

# -- demo data: the register, after the tree and the accounts (their secretaries record the changes) -

registry.demo_steps.register(
    registry.DemoStep("members.register", demo.build_members, 30, describe=demo.describe_members)
)
