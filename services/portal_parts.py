"""What the services app plugs into the layers below it (portal/registry.py, organizations/hooks.py).
Imported once at start-up by ``PortalConfig.ready()``; nothing below imports this app."""

from django.db.models import Max
from django.db.models.signals import post_save
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members import hooks as member_hooks
from members.models import MemberChange
from organizations.access import scope_by
from portal import registry
from portal.registry import Severity
from services import inservice, visits
from services.member_page import services_section, visits_section
from services.models import CareVisit, Household, InServiceRegistration, Pairing, ServiceEntry, ServiceTarget, VisitDue

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
        registry.VersionPart(
            f"services.{name}", lambda model=model: model.objects.aggregate(last=Max("updated_at"))["last"], 200 + order
        )
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


def _in_service_version():
    """What the count is computed from: the ledger, the registrations, the targets."""
    return (
        ServiceEntry.objects.aggregate(last=Max("id"))["last"],
        InServiceRegistration.objects.aggregate(last=Max("updated_at"))["last"],
        ServiceTarget.objects.aggregate(last=Max("updated_at"))["last"],
    )


registry.version_parts.register(registry.VersionPart("services.in_service", _in_service_version, 60))

# -- a member's page: the services they gave, the visits paid to them ------------------------------

member_hooks.member_sections.register(
    member_hooks.MemberSection("services.services", "services/inservice/_member_services.html", services_section, 10),
    member_hooks.MemberSection("services.visits", "services/inservice/_member_visits.html", visits_section, 20),
)
