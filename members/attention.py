"""What needs a secretary's attention: each item is a filter on the member register.

The home page counts them; the member list shows exactly the members behind a count
(``/members/?attention=<key>``).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from members.models import RELATIONSHIP_HERE, ManagementType, MemberChange, Status, years_before
from organizations.models import Organization

CONTACT_INTERVAL_DAYS = 183  # "not contacted for six months"
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class Attention:
    key: str
    label: str
    hint: str

    def apply(self, members, today=None):
        condition = ATTENTION_CONDITIONS[self.key](today or datetime.date.today())
        return with_attention_fields(members).filter(condition)


def _extended():
    return Exists(MemberChange.objects.valid().filter(member=OuterRef("pk"), kind=MemberChange.Kind.PROBATION_EXTENDED))


def _probation_due_by(day):
    """Probationary members here whose probation (one year, two if extended) ends by ``day``."""
    one_year, two_years = years_before(day, 1), years_before(day, 2)
    return Q(status=Status.PROBATIONARY, management_type__in=RELATIONSHIP_HERE) & (
        Q(joined_on__lte=one_year, extended=False) | Q(joined_on__lte=two_years, extended=True)
    )


def _overdue(today):
    return _probation_due_by(today - datetime.timedelta(days=1))


def _due_soon(today):
    return _probation_due_by(today + datetime.timedelta(days=DUE_SOON_DAYS)) & ~_overdue(today)


def _not_contacted(today):
    since = today - datetime.timedelta(days=CONTACT_INTERVAL_DAYS)
    mobile = Q(management_type__in=[ManagementType.MOBILE_OUT, ManagementType.MOBILE_IN])
    return mobile & (Q(last_contact_on__isnull=True) | Q(last_contact_on__lt=since))


def _without_group(today):
    # Sitting directly in a branch that is organised in groups.
    return Q(organization__kind=Organization.Kind.BRANCH, organization__numchild__gt=0)


def _missing_contact(today):
    return Q(phone="") | Q(address="")


ATTENTION_CONDITIONS = {
    "probation_overdue": _overdue,
    "probation_due": _due_soon,
    "not_contacted": _not_contacted,
    "without_group": _without_group,
    "missing_contact": _missing_contact,
}

ITEMS = [
    Attention("probation_overdue", _("预备期已满、尚未转正"), _("请及时讨论转正或延长预备期。")),
    Attention("probation_due", _("30天内预备期满"), _("提前准备转正材料。")),
    Attention("not_contacted", _("流动党员超过6个月未联系"), _("流动党员应定人联系、定期联系。")),
    Attention("without_group", _("未编入党小组"), _("支部已划分党小组，这些党员尚未编组。")),
    Attention("missing_contact", _("缺少联系电话或住址"), _("请补全档案信息。")),
]
BY_KEY = {item.key: item for item in ITEMS}


def with_attention_fields(members):
    """Annotate what the conditions need (whether probation was extended)."""
    return members.annotate(extended=_extended())


def attention_counts(members, today=None):
    """[(item, count)] for ``members``, in one query."""
    today = today or datetime.date.today()
    annotated = with_attention_fields(members)
    counts = annotated.aggregate(
        **{item.key: Count("pk", filter=ATTENTION_CONDITIONS[item.key](today)) for item in ITEMS}
    )
    return [(item, counts[item.key]) for item in ITEMS]
