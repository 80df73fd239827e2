"""What the services app plugs into the layers below it (portal/registry.py, organizations/hooks.py).
Imported once at start-up by ``PortalConfig.ready()``; nothing below imports this app."""

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members import hooks as member_hooks
from members.models import MemberChange
from organizations.access import scope_by
from portal import registry
from portal.registry import AttentionItem, Column, Panel, Read, Severity, Sheet, Summary, VersionPart
from services import dashboard, demo, home, inservice, visits
from services.member_page import services_section, visits_section
from services.models import (
    CareVisit,
    CoBuildingAgreement,
    Household,
    InServiceRegistration,
    Pairing,
    ServiceEntry,
    ServiceTarget,
    VisitDue,
)

# -- the organization tree: how each model reaches the organization that scopes it -----------------

scope_by("services.serviceteam", "organization")
scope_by("services.teammembership", "team__organization")
scope_by("services.activity", "organization")
scope_by("services.serviceentry", "organization")
scope_by("services.inserviceregistration", "organization")
scope_by("services.servicetarget", "organization")
scope_by("services.feedbackletter", "organization")
scope_by("services.household", "organization")
scope_by("services.pairing", "household__organization")
scope_by("services.carevisit", "organization")
scope_by("services.visitdue", "organization")
scope_by("services.residentunit", "organization")
scope_by("services.cobuildingagreement", "organization")

# -- care visits and pairings (services/visits.py) ------------------------------------------------
# A death recorded in the change log makes a must-visit due, in the change's own transaction; the
# members app does not know (it sits below this one).

post_save.connect(visits.on_member_change, sender=MemberChange, dispatch_uid="services.visits.on_member_change")


def _visit_list(path, attention):
    return lambda org: f"{reverse(path)}?org={org.pk}&attention={attention}"


for order, (key, title, hint, severity, unit, path, filter_key) in enumerate(
    [
        (
            "visits_overdue",
            _("走访已逾期"),
            _("应走访日期已过，尚未登记走访。"),
            Severity.HIGH,
            _("次"),
            "services:visits_due",
            "overdue",
        ),
        (
            "must_visits_due",
            _("“四必访”待走访"),
            _("生病住院、有不满情绪、家庭困难、党员去世：7天内应走访。"),  # MUST_VISIT_NOTICE_DAYS
            Severity.MEDIUM,
            _("次"),
            "services:visits_due",
            "must",
        ),
        (
            "pairings_behind",
            _("结对帮扶超过约定周期未走访"),
            _("请帮扶党员按约定联系，并登记走访。"),
            Severity.MEDIUM,
            _("对"),
            "services:pairings",
            "behind",
        ),
        (
            "households_without_helper",
            _("困难家庭无人结对"),
            _("请安排党员结对帮扶。"),
            Severity.MEDIUM,
            _("户"),
            "services:households",
            "without_helper",
        ),
        (
            "helpers_overloaded",
            _("结对超过5户的党员"),  # MAX_HOUSEHOLDS_PER_HELPER
            _("一名党员结对户数不宜过多，请调整。"),
            Severity.LOW,
            _("名"),
            "services:helpers",
            "overloaded",
        ),
    ]
):
    registry.attention.register(
        registry.AttentionItem(
            key=key,
            title=title,
            hint=hint,
            severity=severity,
            counter=visits.count_attention,
            url=_visit_list(path, filter_key),
            unit=unit,
            order=200 + order,
        )
    )

registry.version_parts.register(
    *(
        registry.VersionPart(f"services.{name}", (registry.Read(model),), 200 + order)
        for order, (name, model) in enumerate(
            [("care_visits", CareVisit), ("visits_due", VisitDue), ("pairings", Pairing), ("households", Household)]
        )
    )
)

# -- in-service members (双报到) -------------------------------------------------------------------
# The home page names registered members below the target in force (or with no service at all) from
# the fourth quarter on; the count opens the list of exactly those members.

registry.attention.register(
    registry.AttentionItem(
        key=inservice.ATTENTION_KEY,
        title=_("在职党员本年度未达服务目标"),
        hint=_("第四季度起提示：服务时长或次数未达街道设定的目标、或尚无服务记录的报到党员。"),
        severity=registry.Severity.MEDIUM,
        counter=inservice.count_below_target,
        url=lambda org: f"{reverse('services:in_service_below_target')}?org={org.pk}",
        unit=_("名"),
        order=60,
    )
)


# What the count is computed from: the ledger, the registrations, the targets.
registry.version_parts.register(
    registry.VersionPart(
        "services.in_service",
        (registry.Read(ServiceEntry, "id"), registry.Read(InServiceRegistration), registry.Read(ServiceTarget)),
        60,
    )
)

# -- a member's page: the services they gave, the visits paid to them ------------------------------

member_hooks.member_sections.register(
    member_hooks.MemberSection("services.services", "services/inservice/_member_services.html", services_section, 10),
    member_hooks.MemberSection("services.visits", "services/inservice/_member_visits.html", visits_section, 20),
)

# -- resident units and co-building agreements (services/unit_views.py) ----------------------------

registry.attention.register(
    AttentionItem(
        key="services.agreements_ending",
        title=_("共建协议即将到期"),
        hint=_("60天内到期的共建协议：请与驻区单位商议续签。"),
        severity=Severity.MEDIUM,
        counter=home.count_agreements_ending,
        url=lambda org: f"{reverse('services:agreements')}?org={org.pk}&ending=1",
        unit=_("份"),
        order=300,
    )
)


# What the dashboard's service columns, the home page's service figures and the agreements
# ending soon are computed from: the ledger is append-only (its largest id moves with every entry,
# a correction included); a registration's end, a target's figures and an agreement's dates
# change in place, so those tables add their latest update (every read an index look-up).
registry.version_parts.register(
    VersionPart("services.entries", (Read(ServiceEntry, "id"),), 50),
    VersionPart("services.visits", (Read(CareVisit, "id"),), 51),
    VersionPart(
        "services.registrations",
        (Read(InServiceRegistration, "id"), Read(InServiceRegistration)),
        52,
    ),
    VersionPart("services.targets", (Read(ServiceTarget, "id"), Read(ServiceTarget)), 53),
    VersionPart("services.agreements", (Read(CoBuildingAgreement),), 54),
)

_value = dashboard.value
registry.columns.register(
    Column(
        "services.hours",
        _("服务时长"),
        _value(lambda row: row.hours),
        sort=_value(lambda row: row.minutes),
        export_label=_("服务时长（小时）"),
        width=11,
        order=200,
    ),
    Column(
        "services.person_times",
        _("服务人次"),
        _value(lambda row: row.person_times),
        sort=_value(lambda row: row.person_times),
        order=210,
    ),
    Column(
        "services.members",
        _("参与服务党员"),
        _value(lambda row: row.members),
        sort=_value(lambda row: row.members),
        width=12,
        order=220,
    ),
    Column(
        "services.visits", _("走访慰问"), _value(lambda row: row.visits), sort=_value(lambda row: row.visits), order=230
    ),
    Column("services.registered", _("双报到登记"), _value(lambda row: row.registered), width=11, order=240),
    Column("services.met", _("达到服务目标"), _value(lambda row: row.met_text), export=False, width=12, order=250),
    Column("services.met_count", _("达到服务目标"), _value(lambda row: row.met), page=False, width=12, order=251),
)
registry.summaries.register(Summary("services.period", dashboard.period_title, dashboard.summary_rows, 60))
registry.sheets.register(
    Sheet("services.overview", "服务情况", [("项目", 24), ("数值", 16)], dashboard.sheet_rows, 50),
)

registry.panels.register(
    Panel("services.year", "home", "body", "services/_home_services.html", home.year_figures, 15),
    Panel(
        "services.ledgers",
        "dashboard",
        "buttons",
        "services/_dashboard_buttons.html",
        lambda board: {"org": board.scope, "start": board.start, "day": board.day},
        20,
    ),
)

# -- demo data: after the register (members serve, are visited, register where they live) ----------

registry.demo_steps.register(registry.DemoStep("services.demo", demo.build, 40, describe=demo.describe))
