"""What the services app plugs into the layers below it (portal/registry.py, organizations/hooks.py).
Imported once at start-up by ``PortalConfig.ready()``; nothing below imports this app."""

from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from members import hooks as member_hooks
from organizations.access import scope_by
from portal import registry
from services import inservice
from services.member_page import services_section, visits_section
from services.models import InServiceRegistration, ServiceEntry, ServiceTarget

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
