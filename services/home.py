"""What the services app shows on the home page (registered in services/portal_parts.py): this
year's service of the user's organization, and the co-building agreements that end soon."""

import datetime

from django.db.models import Count, Q

from organizations.models import Organization
from portal.dashboard import cached, request_version
from services.dashboard import figures_by_node
from services.models import CoBuildingAgreement

ENDING_DAYS = 60  # an agreement ending within this many days needs a word about renewing it


def year_figures(request, org, day, today):
    """Hours, person-times, members who served and visits made under ``org`` from 1 January of the
    year of ``day`` to ``day``, as the ledger stood that evening; computed once per data change."""
    start = day.replace(month=1, day=1)

    def compute():
        ids = set(Organization.objects.under(org).values_list("pk", flat=True))
        return figures_by_node(org, {org.pk: ids}, start, day)[org.pk]

    figures = cached(f"home-services:{org.pk}:{day}", compute, request_version(request))
    return {"panel": {"figures": figures, "start": start, "day": day, "org": org}}


# -- co-building agreements ending soon -----------------------------------------------------------


def ending_soon(agreements, today):
    """The agreements of ``agreements`` whose end date falls within ENDING_DAYS of ``today``."""
    return agreements.filter(ends_on__range=(today, today + datetime.timedelta(days=ENDING_DAYS)))


def count_agreements_ending(scopes, day):
    """{scope id: {"services.agreements_ending": n}}, every scope in one query."""
    if not scopes:
        return {}
    counts = ending_soon(CoBuildingAgreement.objects.order_by(), day).aggregate(
        **{f"n{scope.pk}": Count("id", filter=Q(organization__path__startswith=scope.path)) for scope in scopes}
    )
    return {scope.pk: {"services.agreements_ending": counts[f"n{scope.pk}"]} for scope in scopes}
