"""What needs a secretary's attention: each item is a filter on the member register.

The portal's home page and dashboard count them (``count_attention``, registered in
``members/portal_parts.py``); the member list shows exactly the members behind a count
(``/members/?attention=<key>``).
"""

import datetime
import os
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from members.models import RELATIONSHIP_HERE, ManagementType, Member, MemberChange, Status, years_before
from organizations.models import Organization
from portal.registry import Severity

CONTACT_INTERVAL_DAYS = 183  # "not contacted for six months"
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class Attention:
    key: str
    label: str
    hint: str
    severity: str = Severity.LOW  # HIGH: a rule is broken now, also shown on the dashboard's rows

    def apply(self, members, today=None):
        condition = ATTENTION_CONDITIONS[self.key](today or datetime.date.today())
        return with_attention_fields(members).filter(condition)


def _extended():
    # "Among the few members whose probation was extended", not "has such an entry" row by row: a
    # correlated EXISTS made PostgreSQL estimate an index scan per member (a cost of millions at
    # district scale, and JIT with it); this list is read once.
    extended = MemberChange.objects.valid().filter(kind=MemberChange.Kind.PROBATION_EXTENDED).values("member_id")
    return ExpressionWrapper(Q(pk__in=extended), output_field=BooleanField())


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


def _lost_contact(today):
    return Q(lost_contact=True)


def _marked_mobile(today):
    # A roster said 流动党员 but nobody has registered the member as mobile here yet.
    return Q(marked_mobile=True) & ~Q(management_type__in=[ManagementType.MOBILE_OUT, ManagementType.MOBILE_IN])


def _missing_joined_on(today):
    return Q(joined_on__isnull=True)


ATTENTION_CONDITIONS = {
    "probation_overdue": _overdue,
    "probation_due": _due_soon,
    "not_contacted": _not_contacted,
    "without_group": _without_group,
    "missing_contact": _missing_contact,
    "lost_contact": _lost_contact,
    "marked_mobile": _marked_mobile,
    "missing_joined_on": _missing_joined_on,
}

ITEMS = [
    Attention("probation_overdue", _("预备期已满、尚未转正"), _("请及时讨论转正或延长预备期。"), Severity.HIGH),
    Attention("probation_due", _("30天内预备期满"), _("提前准备转正材料。"), Severity.MEDIUM),
    Attention("not_contacted", _("流动党员超过6个月未联系"), _("流动党员应定人联系、定期联系。"), Severity.HIGH),
    Attention("without_group", _("未编入党小组"), _("支部已划分党小组，这些党员尚未编组。"), Severity.HIGH),
    Attention("missing_contact", _("缺少联系电话或住址"), _("请补全档案信息。")),
    Attention("lost_contact", _("失联党员"), _("花名册标注为失联，请设法联系并在档案中更新。")),
    Attention("marked_mobile", _("花名册标注为流动党员、尚未登记流动"), _("请登记外出流动或流入，或更正档案。")),
    Attention("missing_joined_on", _("缺少入党时间"), _("请补全入党时间，转正提醒才能按时给出。")),
]
BY_KEY = {item.key: item for item in ITEMS}


def with_attention_fields(members):
    """Annotate what the conditions need (whether probation was extended)."""
    return members.annotate(extended=_extended())


def count_attention(scopes, day):
    """{organization id: {item key: count}} of the members under each of ``scopes`` (organizations)
    on ``day``'s register: one query for each depth among them, whatever their number."""
    counts = {item.key: Count("pk", filter=ATTENTION_CONDITIONS[item.key](day)) for item in ITEMS}
    members = with_attention_fields(Member.objects.current())
    by_length = defaultdict(list)
    for scope in scopes:
        by_length[len(scope.path)].append(scope)
    found = {}
    for length, group in by_length.items():
        if len(group) == 1:
            found[group[0].pk] = members.under(group[0]).aggregate(**counts)
            continue
        common = os.path.commonprefix([scope.path for scope in group])
        common = common[: len(common) // Organization.steplen * Organization.steplen]
        grouped = members.under(Organization(path=common)) if common else members
        rows = grouped.annotate(prefix=Substr("organization__path", 1, length)).values("prefix").annotate(**counts)
        by_prefix = {row.pop("prefix"): row for row in rows.order_by()}
        for scope in group:
            found[scope.pk] = by_prefix.get(scope.path, dict.fromkeys(counts, 0))
    return found
