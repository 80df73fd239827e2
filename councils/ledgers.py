"""Ledgers (台账) of organizational life: the meetings of any period and subtree, and everyone's
attendance at them, as print-ready xlsx (A4 landscape, header on every page)."""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from councils.models import Attendance, Decision, Meeting
from organizations.models import Organization
from portal.exports import XlsxExport


def _meetings(organization, start, end):
    return Meeting.objects.filter(
        organization__in=Organization.objects.under(organization).values("pk"), held_on__range=(start, end)
    )


def _person(member_name, name):
    return member_name or name or ""


class MeetingLedgerExport(XlsxExport):
    """会议台账: every meeting held in the period under an organization, with its attendance figures."""

    columns = [
        ("召开日期", 12),
        ("召开组织", 22),
        ("会议类型", 14),
        ("会议名称", 24),
        ("地点", 16),
        ("主持人", 10),
        ("记录人", 10),
        ("授课人", 10),
        ("应到", 7),
        ("实到", 7),
        ("请假", 7),
        ("缺席", 7),
        ("列席", 7),
        ("出席率", 9),
        ("有表决权应到", 12),
        ("有表决权实到", 12),
        ("表决事项", 9),
        ("补录", 7),
        ("已锁定", 8),
    ]

    def __init__(self, organization, start, end):
        self.organization, self.start, self.end = organization, start, end
        self.title = f"{organization.name}会议台账"

    def subtitle(self):
        return f"填报单位：{self.organization.name}　期间：{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    def rows(self):
        expected = Q(attendances__expected=True)
        present = Q(attendances__status=Attendance.Status.PRESENT)
        meetings = (
            _meetings(self.organization, self.start, self.end)
            .annotate(
                n_expected=Count("attendances", filter=expected),
                n_present=Count("attendances", filter=expected & present),
                n_leave=Count("attendances", filter=expected & Q(attendances__status=Attendance.Status.LEAVE)),
                n_guests=Count("attendances", filter=Q(attendances__expected=False) & present),
                n_entitled=Count("attendances", filter=expected & Q(attendances__voting=True)),
                n_voting_present=Count("attendances", filter=expected & present & Q(attendances__voting=True)),
            )
            .order_by("held_on", "organization__path", "id")
            .values_list(
                "id",
                "held_on",
                "organization__name",
                "kind",
                "title",
                "place",
                "host__name",
                "host_name",
                "recorder__name",
                "recorder_name",
                "lecturer__name",
                "lecturer_name",
                "n_expected",
                "n_present",
                "n_leave",
                "n_guests",
                "n_entitled",
                "n_voting_present",
                "entered_late",
                "locked_at",
            )
        )
        # Counted apart: joined to the attendance rows, each decision would be counted once per row.
        decisions = dict(
            Decision.objects.filter(meeting__in=_meetings(self.organization, self.start, self.end).values("pk"))
            .order_by()
            .values("meeting")
            .annotate(n=Count("id"))
            .values_list("meeting", "n")
        )
        kinds = dict(Meeting.Kind.choices)
        for row in meetings.iterator(chunk_size=1000):
            (pk, day, org, kind, title, place, host, host_name, rec, rec_name, lect, lect_name) = row[:12]
            n_expected, n_present, n_leave, n_guests, n_entitled, n_voting, late, locked = row[12:]
            n_decisions = decisions.get(pk, 0)
            yield [
                day,
                org,
                str(kinds.get(kind, kind)),
                title or str(kinds.get(kind, kind)),
                place,
                _person(host, host_name),
                _person(rec, rec_name),
                _person(lect, lect_name),
                n_expected,
                n_present,
                n_leave,
                n_expected - n_present - n_leave,
                n_guests,
                f"{n_present / n_expected:.1%}" if n_expected else "",
                n_entitled,
                n_voting,
                n_decisions,
                _("是") if late else "",
                _("是") if locked else "",
            ]


class AttendanceLedgerExport(XlsxExport):
    """参会情况台账: one row per person per meeting held in the period under an organization."""

    columns = [
        ("召开日期", 12),
        ("召开组织", 22),
        ("会议类型", 14),
        ("姓名", 10),
        ("身份", 10),
        ("表决权", 8),
        ("出席情况", 10),
        ("请假事由", 24),
        ("单位或身份", 16),
    ]

    def __init__(self, organization, start, end):
        self.organization, self.start, self.end = organization, start, end
        self.title = f"{organization.name}参会情况台账"

    def subtitle(self):
        return f"填报单位：{self.organization.name}　期间：{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    def rows(self):
        rows = (
            Attendance.objects.filter(meeting__in=_meetings(self.organization, self.start, self.end).values("pk"))
            .order_by("meeting__held_on", "meeting__organization__path", "meeting_id", "-expected", "id")
            .values_list(
                "meeting__held_on",
                "meeting__organization__name",
                "meeting__kind",
                "member__name",
                "name",
                "expected",
                "voting",
                "status",
                "leave_reason",
                "note",
            )
        )
        kinds, statuses = dict(Meeting.Kind.choices), dict(Attendance.Status.choices)
        for day, org, kind, member_name, name, expected, voting, status, reason, note in rows.iterator(1000):
            yield [
                day,
                org,
                str(kinds.get(kind, kind)),
                _person(member_name, name),
                _("应到") if expected else _("列席"),
                _("有") if voting else _("无"),
                str(statuses.get(status, _("未登记"))),
                reason,
                note,
            ]
