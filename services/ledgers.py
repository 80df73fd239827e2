"""Ledgers (台账) of the services out, for any organization's subtree and any period: the activities,
the hours per member, the care visits, the pairings and the resident units. Each is a print-ready
xlsx sheet through the portal's export base (A4 landscape, the header on every page, formula-like
text neutralised, the export audited).

Every figure is a query over the participation ledger (``ServiceEntry``), corrections netted. A
visit's notes leave the portal only when they are not marked sensitive; the sensitive ones are
counted, never written out.
"""

from collections import defaultdict

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from members.models import Member, branches_and_groups
from organizations.models import Organization
from portal.exports import XlsxExport
from services.models import (
    Activity,
    CareVisit,
    CoBuildingAgreement,
    Pairing,
    ResidentUnit,
    ServiceEntry,
    minutes_to_hours,
)


def standing_by(entries, field):
    """{``field`` value: [net minutes, person-times]} of ``entries`` in two queries, whatever their number.

    Person-times are the original entries that still stand: every original counts, less those
    whose corrections (rare) bring them to zero or below. A correction repeats its original's
    member, organization, activity and day, so any filter on those keeps the two together.
    """
    entries = entries.order_by()
    rows = entries.values(field).annotate(net=Sum("minutes"), originals=Count("id", filter=Q(corrects__isnull=True)))
    found = {row[field]: [row["net"], row["originals"]] for row in rows}
    for (key, _root), net in corrected_nets(entries, field).items():
        if net <= 0 and key in found:
            found[key][1] -= 1
    return found


def corrected_nets(entries, *fields):
    """{(``fields`` values…, original id): net minutes} of the originals in ``entries`` that have
    corrections there. Corrections are rare: they are read first, then their originals by id."""
    corrections = list(entries.order_by().filter(corrects__isnull=False).values_list(*fields, "corrects", "minutes"))
    nets = defaultdict(int)
    if not corrections:
        return nets
    roots = {row[-2] for row in corrections}
    for *keys, pk, minutes in entries.order_by().filter(pk__in=roots).values_list(*fields, "id", "minutes"):
        nets[(*keys, pk)] += minutes
    for *keys, root, minutes in corrections:
        if (*keys, root) in nets:  # an original is always recorded before its corrections
            nets[(*keys, root)] += minutes
    return nets


def who(user):
    return (user.get_full_name() or user.get_username()) if user else "系统"


class PeriodLedger(XlsxExport):
    """A ledger of ``organization``'s subtree for ``start``..``end``."""

    what = ""

    def __init__(self, organization, start, end):
        self.organization, self.start, self.end = organization, start, end
        self.title = f"{organization.name}{self.what}"

    def subtitle(self):
        return f"填报单位：{self.organization.name}　期间：{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    def filename(self):
        return f"{self.title}-{self.start:%Y%m%d}-{self.end:%Y%m%d}.xlsx"

    def organizations(self):
        return Organization.objects.under(self.organization).values("pk")


class ActivityLedger(PeriodLedger):
    """服务活动台账: each activity of the period, its standing participants and hours."""

    what = "服务活动台账"
    columns = [
        ("日期", 12),
        ("时间", 12),
        ("活动名称", 28),
        ("活动类型", 14),
        ("组织单位", 20),
        ("服务队", 18),
        ("地点", 18),
        ("参加人数", 9),
        ("服务时长（小时）", 10),
        ("服务群众（人次）", 10),
        ("共建单位", 20),
    ]

    def rows(self):
        activities = (
            Activity.objects.filter(organization__in=self.organizations())
            .filter(starts_at__date__range=(self.start, self.end))
            .select_related("organization", "team", "agreement__unit")
            .order_by("starts_at", "id")
        )
        figures = standing_by(ServiceEntry.objects.filter(activity__in=activities.values("pk")), "activity")
        totals = [0, 0, 0]
        for activity in activities:
            minutes, people = figures.get(activity.pk, (0, 0))
            kind = activity.get_kind_display()
            if activity.convenience_kind:
                kind = f"{kind}·{activity.get_convenience_kind_display()}"
            totals = [totals[0] + people, totals[1] + minutes, totals[2] + activity.beneficiaries]
            yield [
                activity.day,
                _time_span(activity),
                activity.title,
                kind,
                activity.organization.name,
                activity.team.name if activity.team else "",
                activity.place,
                people,
                minutes_to_hours(minutes),
                activity.beneficiaries,
                activity.agreement.unit.name if activity.agreement else "",
            ]
        yield ["合计", "", "", "", "", "", "", totals[0], minutes_to_hours(totals[1]), totals[2], ""]


def _time_span(activity):
    start = timezone.localtime(activity.starts_at)
    if activity.ends_at:
        return f"{start:%H:%M}–{timezone.localtime(activity.ends_at):%H:%M}"
    return f"{start:%H:%M}"


class MemberHoursLedger(PeriodLedger):
    """党员服务时长台账: each member's service given in the subtree in the period (wherever they are
    now: hours stay where they were served)."""

    what = "党员服务时长台账"
    columns = [
        ("姓名", 10),
        ("现所在支部", 22),
        ("现所在党小组", 18),
        ("管理方式", 13),
        ("服务次数", 9),
        ("服务时长（小时）", 10),
    ]

    def rows(self):
        entries = ServiceEntry.objects.served_between(self.start, self.end).filter(
            organization__in=self.organizations()
        )
        figures = {pk: values for pk, values in standing_by(entries, "member").items() if values[0] > 0}
        members = list(
            Member.objects.filter(pk__in=list(figures))
            .select_related("organization")
            .order_by("organization__path", "name_pinyin", "id")
        )
        places = branches_and_groups(members)
        total_minutes = total_times = 0
        for member in members:
            minutes, times = figures[member.pk]
            total_minutes, total_times = total_minutes + minutes, total_times + times
            branch, group = places[member.pk]
            if not branch and not group:
                branch = member.organization.name
            yield [
                member.name,
                branch,
                group,
                member.get_management_type_display(),
                times,
                minutes_to_hours(minutes),
            ]
        yield [f"合计（{len(members)}人）", "", "", "", total_times, minutes_to_hours(total_minutes)]


class VisitLedger(PeriodLedger):
    """走访慰问台账: every visit of the period. The notes of a visit marked sensitive never leave the
    portal; the sheet says how many there were."""

    what = "走访慰问台账"
    columns = [
        ("走访日期", 12),
        ("走访对象", 12),
        ("对象类别", 16),
        ("走访原因", 12),
        ("走访人", 20),
        ("慰问物品", 16),
        ("慰问金（元）", 10),
        ("走访情况", 36),
        ("再次走访期限", 12),
        ("结对帮扶", 8),
        ("登记人", 10),
    ]

    def visits(self):
        return CareVisit.objects.filter(organization__in=self.organizations(), visited_on__range=(self.start, self.end))

    def subtitle(self):
        sensitive = self.visits().filter(sensitive=True).count()
        note = f"　其中情况敏感的走访{sensitive}次，走访情况不导出" if sensitive else ""
        return super().subtitle() + note

    def rows(self):
        visits = (
            self.visits()
            .select_related("member", "household", "created_by")
            .prefetch_related("visitors")
            .order_by("visited_on", "id")
        )
        count = amount = 0
        for visit in visits:
            count += 1
            amount += visit.amount
            visitors = [member.name for member in visit.visitors.all()]
            if visit.visitor_names:
                visitors.append(visit.visitor_names)
            if visit.member_id:
                kind = "党员"
            else:
                kind = visit.household.get_kinds_display() or "困难家庭"
            yield [
                visit.visited_on,
                visit.visited_name,
                kind,
                visit.get_reason_display(),
                "、".join(visitors),
                visit.goods,
                visit.amount,
                "（情况敏感，不导出）" if visit.sensitive else visit.notes,
                visit.follow_up_due if visit.follow_up_needed else "",
                "是" if visit.pairing_id else "",
                who(visit.created_by),
            ]
        yield [f"合计（{count}次）", "", "", "", "", "", amount, "", "", "", ""]


class PairingLedger(PeriodLedger):
    """结对帮扶台账: the pairings in force at some time in the period, with their visits then."""

    what = "结对帮扶台账"
    columns = [
        ("帮扶党员", 10),
        ("帮扶对象", 10),
        ("困难类型", 18),
        ("住址", 26),
        ("开始日期", 12),
        ("结束日期", 12),
        ("约定联系周期（天）", 10),
        ("期内走访（次）", 9),
        ("最近走访日期", 12),
    ]

    def rows(self):
        pairings = (
            Pairing.objects.filter(household__organization__in=self.organizations(), started_on__lte=self.end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=self.start))
            .select_related("member", "household")
            .order_by("household__organization__path", "household__name", "started_on", "id")
        )
        in_period = CareVisit.objects.filter(
            pairing__in=pairings.values("pk"), visited_on__range=(self.start, self.end)
        )
        visits = {
            row["pairing"]: row
            for row in in_period.values("pairing").annotate(n=Count("id"), last=Max("visited_on")).order_by()
        }
        for pairing in pairings:
            seen = visits.get(pairing.pk, {})
            yield [
                pairing.member.name,
                pairing.household.name,
                pairing.household.get_kinds_display(),
                pairing.household.address,
                pairing.started_on,
                pairing.ended_on or "",
                pairing.frequency_days,
                seen.get("n", 0),
                seen.get("last") or "",
            ]


class ResidentUnitLedger(PeriodLedger):
    """驻区单位台账: the units, what they offer and ask for, their agreements in force in the period
    and the projects done together then."""

    what = "驻区单位台账"
    columns = [
        ("单位名称", 24),
        ("所在社区", 16),
        ("联系人", 10),
        ("联系电话", 14),
        ("单位党组织", 20),
        ("可提供资源", 20),
        ("资源说明", 20),
        ("需求", 24),
        ("期内有效的共建协议", 32),
        ("期内共建项目（次）", 10),
    ]

    def rows(self):
        units = (
            ResidentUnit.objects.filter(organization__in=self.organizations())
            .select_related("organization")
            .order_by("organization__path", "name", "id")
        )
        agreements = defaultdict(list)
        in_force = (
            CoBuildingAgreement.objects.filter(unit__in=units.values("pk"), starts_on__lte=self.end)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=self.start))
            .order_by("starts_on", "id")
        )
        for agreement in in_force:
            until = f"{agreement.ends_on:%Y-%m-%d}" if agreement.ends_on else "长期"
            agreements[agreement.unit_id].append(f"{agreement.title}（{agreement.starts_on:%Y-%m-%d}至{until}）")
        projects = dict(
            Activity.objects.filter(
                agreement__unit__in=units.values("pk"), starts_at__date__range=(self.start, self.end)
            )
            .values_list("agreement__unit")
            .annotate(n=Count("id"))
            .order_by()
        )
        for unit in units:
            yield [
                unit.name,
                unit.organization.name,
                unit.contact_name,
                unit.contact_phone,
                unit.party_organization,
                unit.get_offers_display(),
                unit.offers_note,
                unit.asks,
                "；".join(agreements[unit.pk]),
                projects.get(unit.pk, 0),
            ]


LEDGERS = {
    "activities": ActivityLedger,
    "hours": MemberHoursLedger,
    "visits": VisitLedger,
    "pairings": PairingLedger,
    "units": ResidentUnitLedger,
}
