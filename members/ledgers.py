"""Ledgers (台账) out: the roster of any subtree, in the columns the import reads back, and the
change ledger of a period. Both print on A4 landscape with the header on every page."""

import datetime

from django.utils import timezone

from members.disclosure import disclose_as
from members.models import Member, MemberChange, branches_and_groups
from portal.exports import XlsxExport

ROSTER_COLUMNS = [
    ("姓名", 10),
    ("性别", 6),
    ("民族", 8),
    ("出生日期", 12),
    ("身份证号", 21),
    ("联系电话", 15),
    ("家庭住址", 28),
    ("学历", 10),
    ("工作单位", 18),
    ("职务", 10),
    ("入党时间", 12),
    ("转正时间", 12),
    ("党员类别", 10),
    ("人员类别", 12),
    ("管理方式", 13),
    ("所在支部", 22),
    ("所在党小组", 18),
    ("备注", 20),
]


class RosterExport(XlsxExport):
    """花名册: members on the register under an organization; ``reveal``: the user has the reveal
    right on the organization (else the numbers and birth dates follow members/disclosure.py)."""

    columns = ROSTER_COLUMNS

    def __init__(self, organization, reveal=True):
        self.organization, self.reveal = organization, reveal
        self.title = f"{organization.name}党员花名册"

    def subtitle(self):
        return f"填报单位：{self.organization.name}　截至{datetime.date.today():%Y年%m月%d日}"

    def rows(self):
        members = list(
            Member.objects.current()
            .under(self.organization)
            .select_related("organization")
            .order_by("organization__path", "name_pinyin", "id")
        )
        places = branches_and_groups(members)
        for member in members:
            branch, group = places[member.pk]
            shown = disclose_as(member, self.reveal, reveal_id=True)  # an export is audited
            yield [
                member.name,
                member.get_gender_display(),
                member.ethnicity,
                shown.birth_cell,
                shown.id_number,
                shown.phone,
                member.address,
                member.get_education_display(),
                member.employer,
                member.post,
                member.joined_on,
                member.confirmed_on,
                member.get_status_display(),
                member.get_category_display(),
                member.get_management_type_display(),
                branch,
                group,
                member.notes,
            ]


class ChangeLedgerExport(XlsxExport):
    """党员变动台账: every entry of the period for members under an organization."""

    columns = [
        ("生效日期", 12),
        ("姓名", 10),
        ("身份证号", 21),
        ("变动类型", 16),
        ("原组织", 20),
        ("现组织", 20),
        ("对方组织", 24),
        ("介绍信编号", 16),
        ("说明", 24),
        ("记录人", 12),
        ("记录时间", 17),
    ]

    def __init__(self, organization, start, end, reveal=True):
        self.organization, self.start, self.end, self.reveal = organization, start, end, reveal
        self.title = f"{organization.name}党员变动台账"

    def subtitle(self):
        return f"填报单位：{self.organization.name}　期间：{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"

    def rows(self):
        entries = (
            MemberChange.objects.of_period(self.organization, self.start, self.end)
            .select_related("member", "organization", "from_organization", "recorded_by", "reverses")
            .order_by("effective_date", "id")
        )
        for entry in entries:
            member = entry.member
            kind = entry.get_kind_display()
            if entry.reverses_id:
                kind = f"{kind}：{entry.reverses.effective_date:%Y-%m-%d} {entry.reverses.get_kind_display()}"
            yield [
                entry.effective_date,
                member.name,
                disclose_as(member, self.reveal, reveal_id=True).id_number,
                kind,
                entry.from_organization.name if entry.from_organization else "",
                entry.organization.name,
                entry.external_organization,
                entry.letter_number,
                entry.note,
                entry.recorded_by.get_full_name() or entry.recorded_by.username if entry.recorded_by else "系统",
                timezone.localtime(entry.recorded_at).strftime("%Y-%m-%d %H:%M"),
            ]
