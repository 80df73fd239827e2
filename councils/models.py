"""Meetings and organizational life: 三会一课, theme Party days, organizational-life meetings and the
yearly democratic appraisal, with the schedule rules they are judged by kept as data.

A meeting keeps the list of those expected to attend **frozen** at its creation, taken from the
register as it stood on the meeting's date (``expected_on``): attendance counts, the attendance
rate, the quorum and every vote are computed from these rows, so a member who joins or leaves the
branch afterwards does not change what the meeting was. Whether an attendee may vote is frozen
with the row as well (probationary members attend but do not vote).

The Party-member council (issue 15) builds on the same meetings: council, joint, congress and hearing
meetings are meeting kinds; its agenda items and resolutions (the section at the end) point at
meetings and decisions.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from members.models import RELATIONSHIP_HERE, Member, Status
from organizations.models import Organization
from portal.logs import mask_personal_data
from portal.models import AppendOnly
from services.models import CareVisit, ResidentUnit

# A meeting whose record is written more than this many days after it was held is 补录 (entered late).
LATE_ENTRY_DAYS = 7
# Attachments: photos and scanned sign-in sheets.
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024

OrgKind = Organization.Kind


def _today():
    return timezone.localdate()


class MeetingKind(models.TextChoices):
    GENERAL = "general", _lazy("支部党员大会")
    COMMITTEE = "committee", _lazy("支部委员会")
    GROUP = "group", _lazy("党小组会")
    LESSON = "lesson", _lazy("党课")
    THEME_DAY = "theme_day", _lazy("主题党日")
    LIFE_MEETING = "life_meeting", _lazy("组织生活会")
    APPRAISAL = "appraisal", _lazy("民主评议党员")
    COUNCIL = "council", _lazy("党员议事会会议")
    JOINT = "joint", _lazy("党建联席会议")
    CONGRESS = "congress", _lazy("党员代表大会")
    HEARING = "hearing", _lazy("重大事项听证会")


# Which organizations hold which meetings. A community whose Party organization is itself a branch
# (社区党支部) holds a branch's meetings; a general branch or committee holds its own general meeting.
HELD_BY = {
    MeetingKind.GENERAL: (OrgKind.BRANCH, OrgKind.COMMUNITY),
    MeetingKind.COMMITTEE: (OrgKind.BRANCH, OrgKind.COMMUNITY),
    MeetingKind.GROUP: (OrgKind.GROUP,),
    MeetingKind.LESSON: (OrgKind.BRANCH, OrgKind.GROUP, OrgKind.COMMUNITY),
    MeetingKind.THEME_DAY: (OrgKind.BRANCH, OrgKind.GROUP, OrgKind.COMMUNITY),
    MeetingKind.LIFE_MEETING: (OrgKind.BRANCH, OrgKind.COMMUNITY),
    MeetingKind.APPRAISAL: (OrgKind.BRANCH, OrgKind.COMMUNITY),
    MeetingKind.COUNCIL: (OrgKind.COMMUNITY,),
    MeetingKind.JOINT: (OrgKind.COMMUNITY,),
    MeetingKind.CONGRESS: (OrgKind.COMMUNITY,),
    MeetingKind.HEARING: (OrgKind.COMMUNITY,),
}
# Meetings whose attendees are chosen by whoever creates them (a committee, a council), not taken
# from the organization's whole register.
CHOSEN_ATTENDEES = (
    MeetingKind.COMMITTEE,
    MeetingKind.COUNCIL,
    MeetingKind.JOINT,
    MeetingKind.CONGRESS,
    MeetingKind.HEARING,
)
# Meetings that take up agenda items (the Party-member council and the other deliberating bodies).
COUNCIL_MEETING_KINDS = (MeetingKind.COUNCIL, MeetingKind.JOINT, MeetingKind.CONGRESS, MeetingKind.HEARING)


def may_vote(status, management_type):
    """Full members whose Party relationship is held here vote; probationary members, registered
    in-service members and incoming mobile members attend without a vote."""
    return status == Status.FULL and management_type in RELATIONSHIP_HERE


def register_as_of(organization, day):
    """[(member id, status, management type)] of the members on the register of ``organization``'s
    subtree at the end of ``day``, the tree as it stood that day: a member who left the branch the
    week before is not there, one who joined it is."""
    from members.figures import states_on
    from organizations.models import TreeAsOf

    ids = TreeAsOf(day, under=organization).subtree_ids(organization.pk)
    rows = states_on(day, ids).values_list("member_id", "status", "management_type")
    return sorted(rows)


class MonthlyTheme(models.Model):
    """The theme of a month's Party day, published by the street committee for every branch."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="monthly_themes", verbose_name=_lazy("发布单位")
    )
    month = models.DateField(_lazy("月份"), help_text=_lazy("该月的第一天。"))
    title = models.CharField(_lazy("主题"), max_length=200)
    materials = models.TextField(_lazy("学习材料"), blank=True)
    report_by = models.DateField(_lazy("报送截止日期"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("发布人"),
    )
    published_at = models.DateTimeField(_lazy("发布时间"), default=timezone.now)

    class Meta:
        verbose_name = _lazy("主题党日月度主题")
        verbose_name_plural = _lazy("主题党日月度主题")
        ordering = ["-month", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "month"], name="one_theme_per_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.title}"

    def clean(self):
        errors = {}
        if self.month:
            self.month = self.month.replace(day=1)
        if self.organization_id and self.organization.kind != OrgKind.STREET:
            errors["organization"] = _("月度主题由街道党工委发布。")
        if self.report_by and self.month and self.report_by < self.month:
            errors["report_by"] = _("报送截止日期不能早于该月。")
        if errors:
            raise ValidationError(errors)


class Meeting(models.Model):
    """One meeting of a branch, group or community: planned, then held, with its minutes."""

    Kind = MeetingKind

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="meetings", verbose_name=_lazy("召开组织")
    )
    kind = models.CharField(_lazy("会议类型"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_lazy("会议名称"), max_length=200, blank=True)
    planned_on = models.DateField(_lazy("计划日期"), null=True, blank=True)
    held_on = models.DateField(_lazy("召开日期"), null=True, blank=True, help_text=_lazy("会议召开后填写。"))
    place = models.CharField(_lazy("地点"), max_length=200, blank=True)
    topics = models.TextField(_lazy("议题"), blank=True)
    host = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_lazy("主持人")
    )
    host_name = models.CharField(_lazy("主持人（非党员或外单位）"), max_length=50, blank=True)
    recorder = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_lazy("记录人")
    )
    recorder_name = models.CharField(_lazy("记录人（其他）"), max_length=50, blank=True)
    lecturer = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_lazy("授课人")
    )
    lecturer_name = models.CharField(_lazy("授课人（其他）"), max_length=50, blank=True)
    minutes = models.TextField(_lazy("会议记录"), blank=True)
    decisions_text = models.TextField(_lazy("会议决定"), blank=True)
    theme = models.ForeignKey(
        MonthlyTheme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_lazy("月度主题"),
    )
    # The day whose register the attendance list was taken from (frozen with the list).
    expected_on = models.DateField(_lazy("应到名单依据日期"), null=True, blank=True, editable=False)
    # When the meeting was first recorded as held; 补录 if more than LATE_ENTRY_DAYS after it was held.
    entered_at = models.DateTimeField(_lazy("登记召开时间"), null=True, blank=True, editable=False)
    entered_late = models.BooleanField(_lazy("补录"), default=False, editable=False)
    locked_at = models.DateTimeField(_lazy("锁定时间"), null=True, blank=True, editable=False)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_lazy("锁定人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _lazy("会议")
        verbose_name_plural = _lazy("会议")
        ordering = ["-held_on", "-planned_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_on__isnull=False) | Q(held_on__isnull=False), name="meeting_has_a_date"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "kind", "held_on"]),
            models.Index(fields=["held_on", "kind"]),
            models.Index(fields=["updated_at"]),  # the dashboard's data version reads its maximum
        ]

    def __str__(self):
        return f"{self.date} {self.organization} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.held_on and self.entered_at is None:
            self.entered_at = timezone.now()
            self.entered_late = (timezone.localdate(self.entered_at) - self.held_on).days > LATE_ENTRY_DAYS
        super().save(*args, **kwargs)

    @property
    def date(self):
        """The day the meeting was held, or is planned for."""
        return self.held_on or self.planned_on

    @property
    def is_held(self):
        return self.held_on is not None

    @property
    def is_locked(self):
        return self.locked_at is not None

    @property
    def display_title(self):
        return self.title or self.get_kind_display()

    def person(self, role):
        """The host, recorder or lecturer: the member, or the name typed in."""
        member = getattr(self, role)
        return member.name if member is not None else getattr(self, f"{role}_name")

    def clean(self):
        errors = {}
        today = _today()
        if not self.planned_on and not self.held_on:
            errors["planned_on"] = _("请填写计划日期或召开日期。")
        if self.held_on and self.held_on > today:
            errors["held_on"] = _("召开日期不能晚于今天：尚未召开的会议请只填计划日期。")
        if self.organization_id and self.kind:
            allowed = HELD_BY.get(self.kind, ())
            if self.organization.kind not in allowed:
                errors["organization"] = _("%(kind)s应由%(orgs)s召开。") % {
                    "kind": MeetingKind(self.kind).label,
                    "orgs": "、".join(str(OrgKind(kind).label) for kind in allowed),
                }
        if self.kind != MeetingKind.LESSON and (self.lecturer_id or self.lecturer_name):
            errors["lecturer" if self.lecturer_id else "lecturer_name"] = _("只有党课需要填写授课人。")
        if self.theme_id and self.kind != MeetingKind.THEME_DAY:
            errors["theme"] = _("只有主题党日可以对应月度主题。")
        for role in ("host", "recorder", "lecturer"):
            if getattr(self, f"{role}_id") and getattr(self, f"{role}_name"):
                errors[f"{role}_name"] = _("请在名单中选择或填写姓名，二者选一。")
        if errors:
            raise ValidationError(errors)

    # -- the frozen attendance list -------------------------------------------------------------

    @transaction.atomic
    def freeze_attendance(self, chosen=None):
        """Write the list of those expected to attend, as the register stood on the meeting's day.

        ``chosen`` (member ids) is the list for meetings whose attendees are chosen (a committee
        meeting: the committee's members; a council meeting): only members on the register of the
        organization that day may be chosen. Done once; a list already taken stays as it is.
        """
        if self.attendances.filter(expected=True).exists() or self.expected_on is not None:
            raise ValidationError(_("应到名单已经生成，不能重新生成。"))
        day = self.date
        register = {member_id: (status, mtype) for member_id, status, mtype in register_as_of(self.organization, day)}
        if self.kind in CHOSEN_ATTENDEES:
            chosen = list(dict.fromkeys(chosen or []))
            if not chosen:
                raise ValidationError({"chosen": _("请选择应参加会议的人员（如支部委员）。")})
            outside = [pk for pk in chosen if pk not in register]
            if outside:
                raise ValidationError({"chosen": _("所选人员中有人在会议日期不在本组织名册上。")})
            register = {pk: register[pk] for pk in chosen}
        Attendance.objects.bulk_create(
            Attendance(meeting=self, member_id=pk, expected=True, voting=may_vote(status, mtype))
            for pk, (status, mtype) in register.items()
        )
        self.set_expected_on(day)

    def set_expected_on(self, day):
        """The day the list was frozen, stored at once; ``updated_at`` moves too: the data version reads it."""
        self.expected_on, self.updated_at = day, timezone.now()
        Meeting.objects.filter(pk=self.pk).update(expected_on=day, updated_at=self.updated_at)

    def mark(self, member, status, *, guest=False, leave_reason="", name="", note="", row=None):
        """Mark one person's attendance. Someone not on the frozen list is recorded only as a guest
        (列席), and a guest never votes. ``row``: a row of this meeting's list already read (a
        council's list also holds resident units' representatives, who are not on the register)."""
        if row is None or row.meeting_id != self.pk:
            row = self.attendances.filter(member=member).first() if member is not None else None
        if row is None:
            if not guest:
                raise ValidationError(
                    _("%(name)s不在本次会议的应到名单上；如列席会议，请勾选“列席”。")
                    % {"name": member.name if member is not None else name}
                )
            row = Attendance(meeting=self, member=member, expected=False, voting=False, name=name, note=note)
        row.status = status
        row.leave_reason = leave_reason if status == Attendance.Status.LEAVE else ""
        row.full_clean()
        row.save()
        return row

    def quorum(self, rows=None):
        """The attendance figures and the quorum, from the frozen rows (``rows`` if already read)."""
        rows = list(self.attendances.all()) if rows is None else rows
        return Quorum.of(rows)

    # -- minutes integrity ----------------------------------------------------------------------

    def lock(self, user):
        if not self.is_held:
            raise ValidationError(_("会议尚未召开，不能锁定会议记录。"))
        if self.is_locked:
            raise ValidationError(_("会议记录已经锁定。"))
        open_items = [entry.item.title for entry in self.agenda_entries.filter(outcome="").select_related("item")]
        if open_items:
            raise ValidationError(
                _("议程中还有%(n)d项议题没有结果（采纳、暂缓或否决）：%(titles)s。请先登记结果，再锁定会议记录。")
                % {"n": len(open_items), "titles": "、".join(f"“{title}”" for title in open_items)}
            )
        self.locked_at, self.locked_by = timezone.now(), user
        Meeting.objects.filter(pk=self.pk).update(locked_at=self.locked_at, locked_by=user, updated_at=self.locked_at)

    @transaction.atomic
    def revise(self, user, reason, **fields):
        """Change a locked meeting's record: only with a reason, the text before kept as a revision."""
        reason = (reason or "").strip()
        if not reason:
            raise ValidationError({"reason": _("会议记录已锁定，修改须填写修改原因。")})
        before = Meeting.objects.select_for_update().get(pk=self.pk)
        revision = MinutesRevision(
            meeting=self,
            changed_by=user,
            reason=reason,
            previous_minutes=before.minutes,
            previous_decisions_text=before.decisions_text,
            previous_topics=before.topics,
        )
        for name, value in fields.items():
            setattr(self, name, value)
        self.full_clean()
        self.save()
        revision.save()
        return revision


@dataclass(frozen=True)
class Quorum:
    """A meeting's attendance and quorum, worked out from its frozen rows.

    ``entitled``: those on the expected list who may vote; the meeting is quorate when more than
    half of them are present, and a decision passes with more than half of them voting for it —
    of those entitled, not of those present.
    """

    expected: int = 0
    present: int = 0  # of the expected
    on_leave: int = 0
    absent: int = 0
    unmarked: int = 0
    guests: int = 0
    entitled: int = 0
    entitled_present: int = 0
    non_voting: int = 0  # expected but without a vote (probationary, relationship elsewhere)

    @classmethod
    def of(cls, rows):
        expected = [row for row in rows if row.expected]
        statuses = [row.status for row in expected]
        entitled = [row for row in expected if row.voting]
        return cls(
            expected=len(expected),
            present=statuses.count(Attendance.Status.PRESENT),
            on_leave=statuses.count(Attendance.Status.LEAVE),
            absent=statuses.count(Attendance.Status.ABSENT),
            unmarked=statuses.count(""),
            guests=sum(1 for row in rows if not row.expected and row.status == Attendance.Status.PRESENT),
            entitled=len(entitled),
            entitled_present=sum(1 for row in entitled if row.status == Attendance.Status.PRESENT),
            non_voting=len(expected) - len(entitled),
        )

    @property
    def needed(self):
        """Present voters needed: more than half of those entitled."""
        return self.entitled // 2 + 1

    @property
    def is_quorate(self):
        return self.entitled > 0 and self.entitled_present * 2 > self.entitled

    @property
    def rate(self):
        return self.present / self.expected if self.expected else 0.0

    @property
    def rate_text(self):
        return f"{self.rate:.1%}" if self.expected else "—"


class Attendance(models.Model):
    """One person at one meeting: on the frozen expected list, or a guest (列席)."""

    class Status(models.TextChoices):
        PRESENT = "present", _lazy("出席")
        LEAVE = "leave", _lazy("请假")
        ABSENT = "absent", _lazy("缺席")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendances", verbose_name=_lazy("会议")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="attendances", verbose_name=_lazy("党员")
    )
    name = models.CharField(_lazy("姓名（非名册人员）"), max_length=50, blank=True)
    note = models.CharField(_lazy("单位或身份"), max_length=100, blank=True)
    expected = models.BooleanField(_lazy("应到"), default=True, editable=False)
    voting = models.BooleanField(_lazy("有表决权"), default=False, editable=False)
    status = models.CharField(_lazy("出席情况"), max_length=8, choices=Status.choices, blank=True)
    leave_reason = models.CharField(_lazy("请假事由"), max_length=200, blank=True)
    marked_at = models.DateTimeField(_lazy("登记时间"), auto_now=True)

    class Meta:
        verbose_name = _lazy("出席情况")
        verbose_name_plural = _lazy("出席情况")
        ordering = ["-expected", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], condition=Q(member__isnull=False), name="one_attendance_per_member"
            ),
            models.CheckConstraint(condition=Q(member__isnull=False) | ~Q(name=""), name="attendance_member_or_name"),
            models.CheckConstraint(condition=Q(expected=True) | Q(voting=False), name="guests_do_not_vote"),
        ]
        indexes = [models.Index(fields=["member", "meeting"])]

    def __str__(self):
        return f"{self.person_name} {self.get_status_display() or _('未登记')}"

    @property
    def person_name(self):
        return self.member.name if self.member_id else self.name

    @property
    def is_guest(self):
        return not self.expected

    def clean(self):
        errors = {}
        if not self.member_id and not self.name.strip():
            errors["name"] = _("请填写列席人员姓名。")
        if not self.expected and self.status and self.status != self.Status.PRESENT:
            errors["status"] = _("列席人员只登记出席。")
        if self.status == self.Status.LEAVE and not self.leave_reason.strip():
            errors["leave_reason"] = _("请填写请假事由。")
        if errors:
            raise ValidationError(errors)


class Decision(models.Model):
    """A decision put to the vote at a meeting. It passes with more than half of those entitled to
    vote (on the frozen list), not of those present; an inquorate meeting decides nothing."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions", verbose_name=_lazy("会议"))
    number = models.CharField(_lazy("编号"), max_length=50, blank=True)
    text = models.TextField(_lazy("决定事项"))
    votes_for = models.PositiveIntegerField(_lazy("赞成"), default=0)
    votes_against = models.PositiveIntegerField(_lazy("反对"), default=0)
    votes_abstain = models.PositiveIntegerField(_lazy("弃权"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("记录人"),
    )
    recorded_at = models.DateTimeField(_lazy("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _lazy("表决事项")
        verbose_name_plural = _lazy("表决事项")
        ordering = ["meeting", "id"]

    def __str__(self):
        return self.text[:50]

    def passed_with(self, quorum):
        return quorum.is_quorate and self.votes_for * 2 > quorum.entitled

    @property
    def passed(self):
        return self.passed_with(self.meeting.quorum())

    def clean(self):
        errors = {}
        if not (self.text or "").strip():
            errors["text"] = _("请填写表决事项。")
        if self.meeting_id:
            meeting = self.meeting
            quorum = meeting.quorum()
            if not meeting.is_held:
                errors["text"] = _("会议尚未召开，不能记录表决结果。")
            elif not quorum.is_quorate:
                errors["text"] = _(
                    "有表决权的应到%(entitled)d人，实到%(present)d人，未超过半数，会议不能作出决定。"
                ) % {"entitled": quorum.entitled, "present": quorum.entitled_present}
            else:
                cast = (self.votes_for or 0) + (self.votes_against or 0) + (self.votes_abstain or 0)
                if cast > quorum.entitled_present:
                    errors["votes_for"] = _("赞成、反对、弃权共%(cast)d票，多于到会有表决权的%(present)d人。") % {
                        "cast": cast,
                        "present": quorum.entitled_present,
                    }
        if errors:
            raise ValidationError(errors)


class MinutesRevision(models.Model):
    """A change made to a locked meeting's record: who, when, why, and the text before it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="revisions", verbose_name=_lazy("会议"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_lazy("修改人")
    )
    changed_at = models.DateTimeField(_lazy("修改时间"), default=timezone.now)
    reason = models.CharField(_lazy("修改原因"), max_length=500)
    previous_minutes = models.TextField(_lazy("修改前的会议记录"), blank=True)
    previous_decisions_text = models.TextField(_lazy("修改前的会议决定"), blank=True)
    previous_topics = models.TextField(_lazy("修改前的议题"), blank=True)

    class Meta:
        verbose_name = _lazy("会议记录修改")
        verbose_name_plural = _lazy("会议记录修改")
        ordering = ["meeting", "changed_at", "id"]

    def __str__(self):
        return f"{self.meeting} {self.changed_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("修改记录不可更改。"))
        super().save(*args, **kwargs)


# -- attachments: checked by what the bytes are, not by the file's name ---------------------------

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def sniff_content_type(head):
    """The type the first bytes of a file show, if it is an image or a PDF we accept; else None."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_upload(upload):
    """(content type, size) of an uploaded file, or a ValidationError saying why it is refused."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("文件是空的。")})
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {"file": _("文件大小%(size).1f MB，超过%(limit)d MB的上限。") % {"size": size / 1048576, "limit": 10}}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type is None:
        raise ValidationError({"file": _("只能上传图片（JPG、PNG、GIF、WEBP）或PDF文件。")})
    return content_type, size


def attachment_path(instance, filename):
    extension = {
        "application/pdf": "pdf",
        "image/jpeg": "jpg",
        "image/png": "png",
        "image/gif": "gif",
        "image/webp": "webp",
    }.get(instance.content_type, "bin")
    today = _today()
    return f"meetings/{today:%Y/%m}/{instance.meeting_id}-{timezone.now():%H%M%S%f}.{extension}"


class Attachment(models.Model):
    """A photo or scanned sign-in sheet of a meeting, kept through Django's storage API."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="attachments", verbose_name=_lazy("会议")
    )
    file = models.FileField(_lazy("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_lazy("原文件名"), max_length=200, blank=True)
    caption = models.CharField(_lazy("说明"), max_length=200, blank=True)
    content_type = models.CharField(_lazy("文件类型"), max_length=50, editable=False)
    size = models.PositiveIntegerField(_lazy("大小（字节）"), default=0, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("上传人"),
    )
    uploaded_at = models.DateTimeField(_lazy("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _lazy("会议附件")
        verbose_name_plural = _lazy("会议附件")
        ordering = ["meeting", "id"]

    def __str__(self):
        return self.original_name or self.file.name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")

    def clean(self):
        if self.file and not self.content_type:
            self.content_type, self.size = check_upload(self.file)


# -- schedule rules as data -----------------------------------------------------------------------


class ScheduleRule(models.Model):
    """At least ``min_count`` meetings of ``meeting_kind`` per ``period`` for the organizations it
    applies to, in force from ``effective_from`` to ``effective_to`` (inclusive). A period is judged
    by the rule in force in it. ``street`` empty: the regulation's default for every street; a
    street's own rule of the same kind replaces the default there."""

    class Period(models.TextChoices):
        MONTH = "month", _lazy("每月")
        QUARTER = "quarter", _lazy("每季度")
        YEAR = "year", _lazy("每年")

    class Condition(models.TextChoices):
        ALWAYS = "", _lazy("均适用")
        WITH_COMMITTEE = "with_committee", _lazy("设有支部委员会的")
        WITH_GROUPS = "with_groups", _lazy("下设党小组的")

    street = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="schedule_rules",
        verbose_name=_lazy("制定单位"),
        help_text=_lazy("留空：《中国共产党支部工作条例（试行）》的默认规定，适用于所有街道。"),
    )
    organization_kind = models.CharField(_lazy("适用组织"), max_length=16, choices=OrgKind.choices)
    branch_kind = models.CharField(
        _lazy("适用支部类型"),
        max_length=16,
        choices=Organization.BranchKind.choices,
        blank=True,
        help_text=_lazy("留空：所有类型的支部。"),
    )
    condition = models.CharField(_lazy("适用条件"), max_length=16, choices=Condition.choices, blank=True)
    meeting_kind = models.CharField(_lazy("会议类型"), max_length=16, choices=MeetingKind.choices)
    period = models.CharField(_lazy("周期"), max_length=8, choices=Period.choices)
    min_count = models.PositiveSmallIntegerField(_lazy("至少次数"), default=1)
    usual_months = models.CharField(
        _lazy("通常召开月份"), max_length=50, blank=True, help_text=_lazy("例如“10,11,12”（第四季度），仅作提示。")
    )
    effective_from = models.DateField(_lazy("生效日期"))
    effective_to = models.DateField(_lazy("失效日期"), null=True, blank=True)
    source_text = models.TextField(_lazy("依据"))
    local_rule = models.BooleanField(
        _lazy("本地规定"), default=False, help_text=_lazy("条例未作规定、由街道党工委确定。")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("设定人"),
    )
    created_at = models.DateTimeField(_lazy("设定时间"), auto_now_add=True)
    # Tells cached compliance figures that a version was added or ended.
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)  # read by the data version

    class Meta:
        verbose_name = _lazy("会议频次规定")
        verbose_name_plural = _lazy("会议频次规定")
        ordering = ["meeting_kind", "effective_from", "id"]

    def __str__(self):
        return _("%(kind)s %(period)s至少%(n)d次") % {
            "kind": self.get_meeting_kind_display(),
            "period": self.get_period_display(),
            "n": self.min_count,
        }

    def clean(self):
        errors = {}
        if self.street_id and self.street.kind != OrgKind.STREET:
            errors["street"] = _("会议频次规定由街道党工委制定。")
        if self.effective_to and self.effective_from and self.effective_to < self.effective_from:
            errors["effective_to"] = _("失效日期不能早于生效日期。")
        if self.min_count is not None and self.min_count < 1:
            errors["min_count"] = _("至少次数应为1次以上。")
        if self.branch_kind and self.organization_kind != OrgKind.BRANCH:
            errors["branch_kind"] = _("只有适用于党支部的规定才能限定支部类型。")
        if self.condition and self.organization_kind not in (OrgKind.BRANCH, OrgKind.COMMUNITY):
            errors["condition"] = _("只有适用于党支部或社区党组织的规定才能限定适用条件。")
        if self.organization_kind and self.meeting_kind:
            if self.organization_kind not in HELD_BY.get(self.meeting_kind, ()):
                errors["organization_kind"] = _("%(org)s不召开%(kind)s。") % {
                    "org": OrgKind(self.organization_kind).label,
                    "kind": MeetingKind(self.meeting_kind).label,
                }
        if errors:
            raise ValidationError(errors)

    def in_force(self, day):
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class Exemption(models.Model):
    """A recorded exemption from a rule (or from every rule of a meeting kind) for a period."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="meeting_exemptions", verbose_name=_lazy("组织")
    )
    rule = models.ForeignKey(
        ScheduleRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exemptions",
        verbose_name=_lazy("免于执行的规定"),
    )
    meeting_kind = models.CharField(
        _lazy("会议类型"),
        max_length=16,
        choices=MeetingKind.choices,
        blank=True,
        help_text=_lazy("不选具体规定时填写。"),
    )
    starts_on = models.DateField(_lazy("开始日期"))
    ends_on = models.DateField(_lazy("结束日期"))
    reason = models.CharField(_lazy("原因"), max_length=500)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("批准人"),
    )
    approved_by_name = models.CharField(_lazy("批准人（姓名、职务）"), max_length=100, blank=True)
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)  # read by the data version

    class Meta:
        verbose_name = _lazy("会议频次豁免")
        verbose_name_plural = _lazy("会议频次豁免")
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["organization", "starts_on"])]

    def __str__(self):
        return f"{self.organization} {self.starts_on}–{self.ends_on}"

    def clean(self):
        errors = {}
        if not self.rule_id and not self.meeting_kind:
            errors["meeting_kind"] = _("请选择免于执行的规定或会议类型。")
        if self.rule_id and self.meeting_kind and self.meeting_kind != self.rule.meeting_kind:
            errors["meeting_kind"] = _("会议类型与所选规定不一致。")
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("结束日期不能早于开始日期。")
        if not (self.reason or "").strip():
            errors["reason"] = _("请填写豁免原因。")
        if not self.approved_by_id and not (self.approved_by_name or "").strip():
            errors["approved_by_name"] = _("请填写批准人。")
        if errors:
            raise ValidationError(errors)

    @property
    def kind(self):
        return self.rule.meeting_kind if self.rule_id else self.meeting_kind

    def covers(self, rule, start, end):
        """Whether this exemption excuses ``rule`` for the whole period ``start``..``end``."""
        same = self.rule_id == rule.pk if self.rule_id else self.meeting_kind == rule.meeting_kind
        return same and self.starts_on <= start and end <= self.ends_on


class FollowUpTask(models.Model):
    """Something a meeting decided, followed up with a due date until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="tasks", verbose_name=_lazy("会议"))
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="tasks", verbose_name=_lazy("表决事项")
    )
    text = models.CharField(_lazy("任务"), max_length=500)
    due_on = models.DateField(_lazy("完成期限"))
    done_on = models.DateField(_lazy("完成日期"), null=True, blank=True)
    done_note = models.CharField(_lazy("完成情况"), max_length=500, blank=True)
    responsible = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_lazy("负责人")
    )
    responsible_name = models.CharField(_lazy("负责人（其他）"), max_length=50, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)  # read by the data version

    class Meta:
        verbose_name = _lazy("跟进任务")
        verbose_name_plural = _lazy("跟进任务")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"])]

    def __str__(self):
        return self.text[:50]

    @property
    def is_done(self):
        return self.done_on is not None

    def is_overdue(self, today=None):
        return self.done_on is None and self.due_on < (today or _today())

    def clean(self):
        errors = {}
        if not (self.text or "").strip():
            errors["text"] = _("请填写任务内容。")
        if self.decision_id and self.meeting_id and self.decision.meeting_id != self.meeting_id:
            errors["decision"] = _("表决事项不属于这次会议。")
        if self.done_on and self.done_on > _today():
            errors["done_on"] = _("完成日期不能晚于今天。")
        if self.meeting_id and self.due_on and self.meeting.date and self.due_on < self.meeting.date:
            errors["due_on"] = _("完成期限不能早于会议日期。")
        if errors:
            raise ValidationError(errors)


# -- democratic appraisal (民主评议党员) -------------------------------------------------------------


class AppraisalRound(models.Model):
    """A branch's yearly democratic appraisal of its members."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="appraisal_rounds", verbose_name=_lazy("党支部")
    )
    year = models.PositiveSmallIntegerField(_lazy("年度"))
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appraisal_rounds",
        verbose_name=_lazy("评议会议"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)

    # "Excellent" for more than this share of those graded gets a warning.
    EXCELLENT_SHARE = (1, 3)

    class Meta:
        verbose_name = _lazy("民主评议")
        verbose_name_plural = _lazy("民主评议")
        ordering = ["-year", "organization"]
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="one_appraisal_round_a_year")]

    def __str__(self):
        return _("%(org)s %(year)d年度民主评议党员") % {"org": self.organization, "year": self.year}

    @property
    def as_of(self):
        """The day the members' standing is judged on: the meeting's, else the year's end (or today)."""
        if self.meeting_id and self.meeting.date:
            return self.meeting.date
        return min(datetime.date(self.year, 12, 31), _today())

    @transaction.atomic
    def enrol(self):
        """An appraisal row for each member whose Party relationship the branch held on ``as_of``
        (members registered here from elsewhere are appraised where their relationship is), with
        whether they were probationary that day frozen on it. Members already enrolled stay."""
        day = self.as_of
        enrolled = set(self.appraisals.values_list("member_id", flat=True))
        Appraisal.objects.bulk_create(
            Appraisal(round=self, member_id=pk, probationary=status == Status.PROBATIONARY)
            for pk, status, mtype in register_as_of(self.organization, day)
            if mtype in RELATIONSHIP_HERE and pk not in enrolled
        )

    def clean(self):
        errors = {}
        if self.organization_id and self.organization.kind not in (OrgKind.BRANCH, OrgKind.COMMUNITY):
            errors["organization"] = _("民主评议以党支部为单位进行。")
        if self.year and not 2000 <= self.year <= _today().year:
            errors["year"] = _("年度应在2000年到今年之间。")
        if self.meeting_id:
            if self.meeting.organization_id != self.organization_id:
                errors["meeting"] = _("评议会议应是本支部的会议。")
            elif self.year and self.meeting.date and self.meeting.date.year != self.year:
                errors["meeting"] = _("评议会议应在该年度召开。")
        if errors:
            raise ValidationError(errors)

    def excellent_warning(self, appraisals=None):
        """A warning when "excellent" exceeds one third of those graded, else None."""
        appraisals = list(self.appraisals.all()) if appraisals is None else appraisals
        graded = [a for a in appraisals if a.grade]
        excellent = sum(1 for a in graded if a.grade == Appraisal.Grade.EXCELLENT)
        numerator, denominator = self.EXCELLENT_SHARE
        if graded and excellent * denominator > len(graded) * numerator:
            return _("评定为优秀的%(n)d人，超过参加定等的%(graded)d人的三分之一。") % {
                "n": excellent,
                "graded": len(graded),
            }
        return None


class Appraisal(models.Model):
    """One member's appraisal in a round. Probationary members take part but get no grade."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _lazy("优秀")
        QUALIFIED = "qualified", _lazy("合格")
        BASICALLY_QUALIFIED = "basic", _lazy("基本合格")
        UNQUALIFIED = "unqualified", _lazy("不合格")

    round = models.ForeignKey(
        AppraisalRound, on_delete=models.CASCADE, related_name="appraisals", verbose_name=_lazy("民主评议")
    )
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="appraisals", verbose_name=_lazy("党员"))
    probationary = models.BooleanField(_lazy("预备党员"), default=False, editable=False)
    self_assessment = models.TextField(_lazy("个人自评"), blank=True)
    peer_summary = models.TextField(_lazy("党员互评情况"), blank=True)
    grade = models.CharField(_lazy("评定等次"), max_length=16, choices=Grade.choices, blank=True)
    note = models.CharField(_lazy("备注"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _lazy("党员评议")
        verbose_name_plural = _lazy("党员评议")
        ordering = ["round", "member__name", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "member"], name="one_appraisal_per_member")]

    def __str__(self):
        return f"{self.member} {self.get_grade_display()}"

    def clean(self):
        if self.probationary and self.grade:
            raise ValidationError(
                {"grade": _("%(name)s是预备党员，参加民主评议但不评定等次。") % {"name": self.member.name}}
            )


# ==================================================================================================
# The Party-member council (社区党员议事会, issue 15)
#
# A community's deliberating bodies (the Party-member council, the joint meeting with resident units,
# the members' congress, hearings) with their members over time; agenda items moving through the
# five steps raise → draft → adopt → consult → implement → done (or withdrawn / rejected), every step
# taken by ``AgendaItem.advance`` alone and kept in an append-only step table; council meetings'
# agendas and numbered resolutions; the public consultation's comments and their moderation; and
# the implementation: who carries it out, tasks, dated progress notes with photos.
# ==================================================================================================


def council_stuck_days():
    """Days an agenda item may stay in one step before it is an attention item (``COUNCIL_STUCK_DAYS``)."""
    return int(getattr(settings, "COUNCIL_STUCK_DAYS", 30))


def refuse_personal_data(text, field, errors):
    """Public texts (the plan shown to residents, progress notes, comments) carry no phone or ID number."""
    if text and mask_personal_data(text) != text:
        errors[field] = _("公开的内容中不能有电话号码或身份证号，请删去。")


class Council(models.Model):
    """One of a community's deliberating bodies."""

    class Kind(models.TextChoices):
        COUNCIL = "council", _lazy("社区党员议事会")
        JOINT = "joint", _lazy("党建联席会")
        CONGRESS = "congress", _lazy("社区党员代表大会")
        HEARING = "hearing", _lazy("重大事项听证会")

    # The kind of meeting each body holds.
    MEETING_KIND = {
        Kind.COUNCIL: MeetingKind.COUNCIL,
        Kind.JOINT: MeetingKind.JOINT,
        Kind.CONGRESS: MeetingKind.CONGRESS,
        Kind.HEARING: MeetingKind.HEARING,
    }

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="councils", verbose_name=_lazy("社区党组织")
    )
    kind = models.CharField(_lazy("类别"), max_length=16, choices=Kind.choices, default=Kind.COUNCIL)
    name = models.CharField(_lazy("名称"), max_length=100)
    established_on = models.DateField(_lazy("成立日期"))
    dissolved_on = models.DateField(_lazy("撤销日期"), null=True, blank=True)
    note = models.CharField(_lazy("说明"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _lazy("议事机构")
        verbose_name_plural = _lazy("议事机构")
        ordering = ["organization__path", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="one_council_name_per_community")]

    def __str__(self):
        return self.name

    @property
    def meeting_kind(self):
        return self.MEETING_KIND[self.kind]

    def clean(self):
        errors = {}
        self.name = " ".join((self.name or "").split())
        if not self.name:
            errors["name"] = _("请填写名称。")
        if self.organization_id and self.organization.kind != OrgKind.COMMUNITY:
            errors["organization"] = _("议事机构设在社区党组织。")
        if self.established_on and self.established_on > _today():
            errors["established_on"] = _("成立日期不能晚于今天。")
        if self.dissolved_on and self.established_on and self.dissolved_on < self.established_on:
            errors["dissolved_on"] = _("撤销日期不能早于成立日期。")
        if errors:
            raise ValidationError(errors)

    def seats_on(self, day):
        """The members sitting on ``day`` (joined on or before it, not yet left)."""
        return self.seats.filter(joined_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gt=day))


class CouncilMember(models.Model):
    """A seat on a council for a period: a Party member of the register, or a resident unit's
    representative (not on the register: a name and the unit), with the constituency represented."""

    class Role(models.TextChoices):
        CHAIR = "chair", _lazy("会长")
        SECRETARY_GENERAL = "secretary_general", _lazy("秘书长")
        MEMBER = "member", _lazy("成员")

    class Constituency(models.TextChoices):
        RESIDENT_UNIT = "resident_unit", _lazy("驻区单位党组织")
        SELF_MANAGED = "self_managed", _lazy("自管党员")
        IN_SERVICE = "in_service", _lazy("在职党员")
        MOBILE = "mobile", _lazy("流动党员（外来务工）")
        HARDSHIP = "hardship", _lazy("困难群体党员")
        LEADERSHIP = "leadership", _lazy("社区党组织班子")

    # Roles held by one person at a time.
    SINGLE_ROLES = (Role.CHAIR, Role.SECRETARY_GENERAL)

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="seats", verbose_name=_lazy("议事机构"))
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="council_seats",
        verbose_name=_lazy("党员"),
    )
    unit = models.ForeignKey(
        ResidentUnit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="council_seats",
        verbose_name=_lazy("驻区单位"),
    )
    name = models.CharField(_lazy("代表姓名（驻区单位）"), max_length=50, blank=True)
    role = models.CharField(_lazy("职务"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    constituency = models.CharField(_lazy("代表方面"), max_length=20, choices=Constituency.choices)
    joined_on = models.DateField(_lazy("加入日期"))
    left_on = models.DateField(_lazy("退出日期"), null=True, blank=True)
    left_reason = models.CharField(_lazy("退出原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _lazy("议事机构成员")
        verbose_name_plural = _lazy("议事机构成员")
        ordering = ["council", "joined_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, unit__isnull=True, name="")
                | Q(member__isnull=True, unit__isnull=False) & ~Q(name=""),
                name="council_seat_member_or_unit_representative",
            ),
        ]

    def __str__(self):
        return f"{self.person_name}（{self.get_role_display()}）"

    @property
    def person_name(self):
        return self.member.name if self.member_id else self.name

    @property
    def is_current(self):
        return self.left_on is None or self.left_on > _today()

    def _overlapping(self):
        others = CouncilMember.objects.filter(council_id=self.council_id).exclude(pk=self.pk)
        others = others.filter(Q(left_on__isnull=True) | Q(left_on__gt=self.joined_on))
        if self.left_on:
            others = others.filter(joined_on__lt=self.left_on)
        return others

    def clean(self):
        errors = {}
        self.name = " ".join((self.name or "").split())
        if self.member_id is None and self.unit_id is None:
            errors["member"] = _("请选择党员，或选择驻区单位并填写代表姓名。")
        elif self.member_id and self.unit_id:
            errors["unit"] = _("党员和驻区单位代表二者选一。")
        elif self.unit_id and not self.name:
            errors["name"] = _("请填写驻区单位代表的姓名。")
        elif self.member_id and self.name:
            errors["name"] = _("选择了党员时不填写代表姓名。")
        if self.council_id and self.joined_on:
            community = self.council.organization
            if self.member_id and not self.member.organization.path.startswith(community.path):
                errors["member"] = _("%(name)s不在%(org)s的党员名册上。") % {
                    "name": self.member.name,
                    "org": community.name,
                }
            if self.unit_id and self.unit.organization_id != community.pk:
                errors["unit"] = _("该驻区单位不在本社区。")
            if self.joined_on > _today():
                errors["joined_on"] = _("加入日期不能晚于今天。")
            if self.left_on and self.left_on < self.joined_on:
                errors["left_on"] = _("退出日期不能早于加入日期。")
            if not errors:
                overlapping = self._overlapping()
                same = overlapping.filter(member_id=self.member_id) if self.member_id else None
                if same is None:
                    same = overlapping.filter(unit_id=self.unit_id, name=self.name)
                if same.exists():
                    errors["joined_on"] = _("%(name)s在这段时间已是本机构成员。") % {"name": self.person_name}
                if self.role in self.SINGLE_ROLES:
                    holder = overlapping.filter(role=self.role).first()
                    if holder is not None:
                        errors["role"] = _("这段时间的%(role)s已由%(name)s担任；请先登记其退出。") % {
                            "role": self.get_role_display(),
                            "name": holder.person_name,
                        }
        if self.left_on and not (self.left_reason or "").strip():
            errors["left_reason"] = _("请填写退出原因（如换届、迁出、去世）。")
        if errors:
            raise ValidationError(errors)


class CouncilMeeting(models.Model):
    """Which council held a meeting (a meeting of a council kind created from the council's page)."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.PROTECT, related_name="council_link", verbose_name=_lazy("会议")
    )
    council = models.ForeignKey(
        Council, on_delete=models.PROTECT, related_name="council_meetings", verbose_name=_lazy("议事机构")
    )

    class Meta:
        verbose_name = _lazy("议事机构会议")
        verbose_name_plural = _lazy("议事机构会议")

    def __str__(self):
        return f"{self.council} {self.meeting}"

    @classmethod
    @transaction.atomic
    def convene(cls, council, meeting):
        """Save ``meeting`` as a meeting of ``council`` with its expected list frozen from the seats on
        the meeting's day: every member sitting then, resident units' representatives included, has
        a vote (a council votes by its members, whatever their Party relationship). A member who has
        left the register by then is left out."""
        meeting.organization = council.organization
        meeting.kind = council.meeting_kind
        meeting.full_clean()
        day = meeting.date
        if council.dissolved_on and day >= council.dissolved_on:
            raise ValidationError(
                {"held_on": _("%(name)s已于%(day)s撤销。") % {"name": council, "day": council.dissolved_on}}
            )
        if day < council.established_on:
            raise ValidationError({"held_on": _("会议日期早于%(name)s的成立日期。") % {"name": council}})
        seats = list(council.seats_on(day).select_related("member", "unit"))
        on_register = {member_id for member_id, _status, _mtype in register_as_of(council.organization, day)}
        seats = [seat for seat in seats if seat.member_id is None or seat.member_id in on_register]
        if not seats:
            raise ValidationError({"held_on": _("%(name)s在会议日期没有成员，请先登记成员。") % {"name": council}})
        meeting.save()
        cls.objects.create(meeting=meeting, council=council)
        Attendance.objects.bulk_create(
            Attendance(
                meeting=meeting,
                member=seat.member,
                name="" if seat.member_id else seat.name,
                note=seat.unit.name[:100] if seat.unit_id else seat.get_constituency_display(),
                expected=True,
                voting=True,
            )
            for seat in seats
        )
        meeting.set_expected_on(day)
        return meeting


class Step(models.TextChoices):
    """The five steps of an agenda item (议程), its end, and the two ways it can stop."""

    RAISE = "raise", _lazy("确立")
    DRAFT = "draft", _lazy("制订")
    ADOPT = "adopt", _lazy("采纳")
    CONSULT = "consult", _lazy("评估")
    IMPLEMENT = "implement", _lazy("实施")
    DONE = "done", _lazy("办结")
    WITHDRAWN = "withdrawn", _lazy("撤回")
    REJECTED = "rejected", _lazy("否决")


SEQUENCE = [Step.RAISE, Step.DRAFT, Step.ADOPT, Step.CONSULT, Step.IMPLEMENT, Step.DONE]
STOPS = (Step.WITHDRAWN, Step.REJECTED)
ENDS = (Step.DONE, *STOPS)
OPEN_STEPS = tuple(step for step in SEQUENCE if step not in ENDS)
# Steps whose item residents can see on the public consultation page (once published).
PUBLIC_STEPS = (Step.CONSULT, Step.IMPLEMENT, Step.DONE)


class AgendaItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(step__in=OPEN_STEPS)

    def public(self):
        """What the public consultation page may show: published, at the consult step or after it."""
        return self.filter(is_public=True, step__in=PUBLIC_STEPS)

    def stuck(self, day, days=None):
        """Open items whose step began more than ``days`` before ``day`` with nothing recorded in it
        since (a progress note counts while it is being implemented)."""
        cutoff = day - datetime.timedelta(days=council_stuck_days() if days is None else days)
        recent = ProgressNote.objects.filter(item=models.OuterRef("pk"), on__gte=cutoff)
        return self.open().filter(step_on__lt=cutoff).exclude(models.Exists(recent))


class AgendaItem(models.Model):
    """A matter residents raised, on its way through the five steps. ``step`` and ``step_on`` are the
    state the step table (``AgendaStep``) leads to, written only by ``advance``."""

    class Source(models.TextChoices):
        RESIDENTS = "residents", _lazy("居民反映")
        VISIT = "visit", _lazy("走访慰问")
        STATION = "station", _lazy("党员服务站")
        THEME_DAY = "theme_day", _lazy("主题党日")
        COUNCIL_MEMBER = "council_member", _lazy("议事会成员提议")
        RESIDENT_UNIT = "resident_unit", _lazy("驻区单位")
        OTHER = "other", _lazy("其他")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="agenda_items", verbose_name=_lazy("社区党组织")
    )
    council = models.ForeignKey(
        Council,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_lazy("提交议事机构"),
    )
    title = models.CharField(_lazy("议题"), max_length=200)
    problem = models.TextField(_lazy("问题描述"))
    source = models.CharField(_lazy("问题来源"), max_length=20, choices=Source.choices)
    source_detail = models.CharField(_lazy("来源说明"), max_length=200, blank=True)
    care_visit = models.ForeignKey(
        CareVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agenda_items",
        verbose_name=_lazy("来源走访"),
    )
    source_meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="raised_items",
        verbose_name=_lazy("来源会议"),
    )
    raised_on = models.DateField(_lazy("确立日期"))
    step = models.CharField(_lazy("所处环节"), max_length=16, choices=Step.choices, default=Step.RAISE, editable=False)
    step_on = models.DateField(_lazy("进入本环节日期"), editable=False)
    draft = models.TextField(_lazy("议案（草案）"), blank=True)
    public_title = models.CharField(
        _lazy("公示标题"), max_length=200, blank=True, help_text=_lazy("在社区议事园公开显示。")
    )
    public_text = models.TextField(
        _lazy("公示方案"),
        blank=True,
        help_text=_lazy("在社区议事园公开显示，供居民评议：不要写党员或居民的姓名、电话、身份证号、住址。"),
    )
    consult_until = models.DateField(_lazy("征求意见截止日期"), null=True, blank=True)
    is_public = models.BooleanField(_lazy("在社区议事园公开"), default=False, editable=False)
    published_at = models.DateTimeField(_lazy("公开时间"), null=True, blank=True, editable=False)
    by_station = models.BooleanField(_lazy("党员服务站"), default=False)
    implementers = models.ManyToManyField(
        Member, blank=True, related_name="agenda_items_implemented", verbose_name=_lazy("实施党员")
    )
    units = models.ManyToManyField(
        ResidentUnit, blank=True, related_name="agenda_items_implemented", verbose_name=_lazy("实施驻区单位")
    )
    implementers_note = models.CharField(_lazy("实施主体说明"), max_length=300, blank=True)
    result = models.TextField(_lazy("办理结果"), blank=True)
    public_result = models.TextField(
        _lazy("公开的办理结果"), blank=True, help_text=_lazy("在社区议事园公开显示：不要写姓名、电话、住址。")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    objects = AgendaItemQuerySet.as_manager()

    class Meta:
        verbose_name = _lazy("议题")
        verbose_name_plural = _lazy("议题")
        ordering = ["-raised_on", "-id"]
        indexes = [
            models.Index(fields=["organization", "step", "step_on"]),
            models.Index(fields=["raised_on"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self):
        return self.step in OPEN_STEPS

    @property
    def next_step(self):
        """The step that may come next, or None at the end."""
        if self.step not in SEQUENCE or self.step == Step.DONE:
            return None
        return SEQUENCE[SEQUENCE.index(self.step) + 1]

    @property
    def accepts_comments(self):
        """Residents may comment while the plan is out for consultation and no outcome is recorded."""
        if not (self.is_public and self.step == Step.CONSULT) or hasattr(self, "consultation"):
            return False
        return self.consult_until is None or _today() <= self.consult_until

    def clean(self):
        errors = {}
        self.title = " ".join((self.title or "").split())
        if not self.title:
            errors["title"] = _("请填写议题。")
        if not (self.problem or "").strip():
            errors["problem"] = _("请写明居民反映的问题。")
        if self.organization_id and self.organization.kind != OrgKind.COMMUNITY:
            errors["organization"] = _("议题由社区党组织确立。")
        if self.raised_on and self.raised_on > _today():
            errors["raised_on"] = _("确立日期不能晚于今天。")
        community = self.organization.path if self.organization_id else None
        if self.council_id and self.council.organization_id != self.organization_id:
            errors["council"] = _("议事机构不属于本社区。")
        if self.care_visit_id and community and not self.care_visit.organization.path.startswith(community):
            errors["care_visit"] = _("该走访不是本社区的走访。")
        if self.source_meeting_id and community and not self.source_meeting.organization.path.startswith(community):
            errors["source_meeting"] = _("该会议不是本社区的会议。")
        if self.care_visit_id and self.source != self.Source.VISIT:
            errors["source"] = _("关联了走访记录时，问题来源应为“走访慰问”。")
        if errors:
            raise ValidationError(errors)

    @classmethod
    @transaction.atomic
    def raise_item(cls, item, by, decided=""):
        """Save a new item at the raise step, with the first row of its step table."""
        item.step, item.step_on, item.created_by = Step.RAISE, item.raised_on, by
        item.full_clean()
        item.save()
        AgendaStep.objects.create(
            item=item, step=Step.RAISE, on=item.raised_on, by=by, decided=decided or item.problem[:1000]
        )
        return item

    # -- the one place a step is taken --------------------------------------------------------

    @transaction.atomic
    def advance(self, step, *, by, on=None, decided="", reason="", meeting=None, members=None, units=None, **fields):
        """Take ``step`` now (or ``on``), by ``by``: the next step in order, or a stop (withdrawn,
        rejected) with a reason. Refuses, saving nothing, a step skipped, repeated or taken back, an
        adoption without a draft and a council meeting that had the item on its agenda and passed its
        resolution, an implementation without a recorded consultation, an end with tasks open.

        ``fields``: what the step writes on the item (``draft``; ``public_title``, ``public_text``,
        ``consult_until``; ``by_station``, ``implementers_note``; ``result``, ``public_result``);
        ``members`` and ``units``: who carries it out. The item's row is locked while this runs, so
        two secretaries pressing the same button at once take the step once.
        """
        item = AgendaItem.objects.select_for_update().get(pk=self.pk)
        try:
            step = Step(step)
        except ValueError:
            raise ValidationError(_("没有“%(step)s”这一环节。") % {"step": str(step)[:20]}) from None
        today = _today()
        on = meeting.held_on if step == Step.ADOPT and meeting is not None and meeting.held_on else (on or today)
        self._check_order(item, step)
        errors = {}
        if on > today:
            errors["on"] = _("日期不能晚于今天。")
        elif on < item.step_on:
            errors["on"] = _("日期不能早于上一环节“%(step)s”的日期%(day)s。") % {
                "step": item.get_step_display(),
                "day": f"{item.step_on:%Y-%m-%d}",
            }
        for name, value in fields.items():
            if name not in self.STEP_FIELDS.get(step, ()):
                raise TypeError(f"{name} is not written by the {step} step")
            setattr(item, name, value.strip() if isinstance(value, str) else value)
        gate = getattr(self, f"_gate_{step.value}", None)
        if gate is not None:
            decided = gate(
                item, errors, on=on, decided=decided, reason=reason, meeting=meeting, members=members, units=units
            )
        if errors:
            raise ValidationError(errors)
        AgendaStep.objects.create(
            item=item,
            step=step,
            on=on,
            by=by,
            decided=(decided or "").strip(),
            reason=(reason or "").strip(),
            meeting=meeting if step in (Step.ADOPT, Step.REJECTED) else None,
        )
        item.step, item.step_on = step, on
        if step == Step.CONSULT:
            item.is_public, item.published_at = True, timezone.now()
        item.save()
        if members is not None:
            item.implementers.set(members)
        if units is not None:
            item.units.set(units)
        self.refresh_from_db()
        return item

    STEP_FIELDS = {
        Step.DRAFT: ("draft", "council"),
        Step.CONSULT: ("public_title", "public_text", "consult_until"),
        Step.IMPLEMENT: ("by_station", "implementers_note"),
        Step.DONE: ("result", "public_result"),
    }

    @staticmethod
    def _check_order(item, step):
        current = Step(item.step)
        if current in ENDS:
            raise ValidationError(_("该议题已%(state)s，不能再变更。") % {"state": current.label})
        if step in STOPS:
            return
        if step == current:
            raise ValidationError(_("该议题已经过“%(step)s”环节，不能重复。") % {"step": step.label})
        position, here = SEQUENCE.index(step), SEQUENCE.index(current)
        if position < here:
            raise ValidationError(
                _("该议题已经过“%(step)s”环节，不能重复或退回；目前处于“%(current)s”环节。")
                % {"current": current.label, "step": step.label}
            )
        if position > here + 1:
            expected = SEQUENCE[here + 1]
            raise ValidationError(
                _("不能跳过“%(next)s”环节：该议题目前处于“%(current)s”环节，下一步应为“%(next)s”。")
                % {"next": expected.label, "current": current.label}
            )

    @staticmethod
    def _gate_draft(item, errors, decided, **kwargs):
        if not (item.draft or "").strip():
            errors["draft"] = _("请填写议案（草案）：经梳理分析后提交议事会讨论的方案。")
        if item.council_id and item.council.organization_id != item.organization_id:
            errors["council"] = _("议事机构不属于本社区。")
        return decided or item.draft

    @staticmethod
    def _gate_adopt(item, errors, decided, meeting, **kwargs):
        if meeting is None:
            errors["meeting"] = _("采纳须经议事会会议集体讨论：请在会议议程中登记该议题的表决结果。")
            return decided
        if meeting.kind not in COUNCIL_MEETING_KINDS or meeting.organization_id != item.organization_id:
            errors["meeting"] = _("采纳须由本社区的议事会（或联席会、党员代表大会、听证会）会议作出。")
        elif not meeting.is_held:
            errors["meeting"] = _("会议尚未召开，不能采纳议题。")
        elif not meeting.agenda_entries.filter(item=item).exists():
            errors["meeting"] = _("该议题不在这次会议的议程上，不能由这次会议采纳。")
        else:
            resolution = Resolution.objects.filter(item=item, decision__meeting=meeting).select_related("decision")
            resolution = resolution.first()
            if resolution is None or not resolution.decision.passed_with(meeting.quorum()):
                errors["meeting"] = _("这次会议没有通过该议题的决议，不能采纳。")
            else:
                return decided or resolution.decision.text
        return decided

    @staticmethod
    def _gate_consult(item, errors, decided, on, **kwargs):
        if not (item.public_title or "").strip():
            errors["public_title"] = _("请填写公示标题。")
        if not (item.public_text or "").strip():
            errors["public_text"] = _("请填写向居民公示的方案。")
        refuse_personal_data(item.public_title, "public_title", errors)
        refuse_personal_data(item.public_text, "public_text", errors)
        if item.consult_until and item.consult_until < on:
            errors["consult_until"] = _("征求意见截止日期不能早于公示日期。")
        if not decided:
            until = f"{item.consult_until:%Y-%m-%d}" if item.consult_until else _("另行通知")
            decided = _("在社区议事园公示“%(title)s”，征求居民意见至%(until)s。") % {
                "title": item.public_title,
                "until": until,
            }
        return decided

    @staticmethod
    def _gate_implement(item, errors, decided, members, units, **kwargs):
        outcome = ConsultationOutcome.objects.filter(item=item).first()
        if outcome is None:
            errors["outcome"] = _("还没有登记居民评议结果，不能进入实施。")
        elif outcome.result == ConsultationOutcome.Result.REJECTED:
            errors["outcome"] = _("居民评议未同意该方案，不能实施。")
        members = list(members) if members is not None else list(item.implementers.all())
        units = list(units) if units is not None else list(item.units.all())
        if not (item.by_station or members or units):
            errors["by_station"] = _("请写明由谁实施：党员服务站、党员或驻区单位（至少一项）。")
        community = item.organization.path
        if any(not member.organization.path.startswith(community) for member in members):
            errors["implementers"] = _("实施党员应是本社区的党员。")
        if any(unit.organization_id != item.organization_id for unit in units):
            errors["units"] = _("实施单位应是本社区的驻区单位。")
        if not decided:
            who = ([str(_("党员服务站"))] if item.by_station else []) + [m.name for m in members]
            who += [unit.name for unit in units]
            decided = _("由%(who)s实施。") % {"who": "、".join(who)}
            if item.implementers_note:
                decided += item.implementers_note
        return decided

    @staticmethod
    def _gate_done(item, errors, decided, **kwargs):
        if not (item.result or "").strip():
            errors["result"] = _("请填写办理结果。")
        if not (item.public_result or "").strip():
            errors["public_result"] = _("请填写向居民公开的办理结果。")
        refuse_personal_data(item.public_result, "public_result", errors)
        open_tasks = item.tasks.filter(done_on__isnull=True).count()
        if open_tasks:
            errors["result"] = _("还有%(n)d项实施任务未完成，不能办结。") % {"n": open_tasks}
        return decided or item.result

    @staticmethod
    def _gate_withdrawn(item, errors, reason, decided, **kwargs):
        if not (reason or "").strip():
            errors["reason"] = _("请填写撤回原因。")
        return decided or reason

    @staticmethod
    def _gate_rejected(item, errors, reason, decided, **kwargs):
        if not (reason or "").strip():
            errors["reason"] = _("请填写否决原因。")
        return decided or reason

    # -- the public page ------------------------------------------------------------------------

    @transaction.atomic
    def set_public(self, public, by):
        """Put the item on the public page (only at the consult step or after) or take it down."""
        item = AgendaItem.objects.select_for_update().get(pk=self.pk)
        if public and item.step not in PUBLIC_STEPS:
            raise ValidationError(_("议题进入“评估”环节后才能在社区议事园公开。"))
        item.is_public = bool(public)
        if public and item.published_at is None:
            item.published_at = timezone.now()
        item.save(update_fields=["is_public", "published_at", "updated_at"])
        self.is_public, self.published_at = item.is_public, item.published_at

    @transaction.atomic
    def record_consultation(self, outcome, by):
        """Record the residents' verdict on the plan (once). Rejected: the item stops there."""
        item = AgendaItem.objects.select_for_update().get(pk=self.pk)
        if item.step != Step.CONSULT:
            raise ValidationError(_("只有处于“评估”环节的议题才能登记居民评议结果。"))
        if ConsultationOutcome.objects.filter(item=item).exists():
            raise ValidationError(_("居民评议结果已经登记。"))
        outcome.item, outcome.recorded_by = item, by
        outcome.full_clean()
        outcome.save()
        if outcome.public_text:
            item.public_text = outcome.public_text
            item.save(update_fields=["public_text", "updated_at"])
        if outcome.result == ConsultationOutcome.Result.REJECTED:
            why = _("居民评议未同意：%(why)s") % {"why": outcome.summary}
            self.advance(Step.REJECTED, by=by, on=outcome.decided_on, reason=why[:500])
        self.refresh_from_db()
        return outcome

    def progress(self):
        """The latest progress note's percent (0 before any)."""
        note = self.progress_notes.order_by("-on", "-id").first()
        return note.percent if note else 0


class AgendaStep(AppendOnly, models.Model):
    """One step an item took: when, who recorded it, what was decided. Append-only: a row is never
    changed nor deleted, and an item takes each step at most once (the database says so too)."""

    unchangeable = _lazy("议题环节的记录不可更改。")
    undeletable = _lazy("议题环节的记录不可删除。")

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="steps", verbose_name=_lazy("议题"))
    step = models.CharField(_lazy("环节"), max_length=16, choices=Step.choices)
    on = models.DateField(_lazy("日期"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("经办人"),
    )
    decided = models.TextField(_lazy("决定或办理情况"), blank=True)
    reason = models.CharField(_lazy("原因"), max_length=500, blank=True)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_lazy("会议")
    )
    recorded_at = models.DateTimeField(_lazy("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _lazy("议题环节")
        verbose_name_plural = _lazy("议题环节")
        ordering = ["item", "on", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "step"], name="each_step_once")]

    def __str__(self):
        return f"{self.on} {self.get_step_display()}"


class AgendaEntry(models.Model):
    """An item on a council meeting's agenda, in order, with what the meeting made of it."""

    class Outcome(models.TextChoices):
        ADOPTED = "adopted", _lazy("采纳")
        DEFERRED = "deferred", _lazy("暂缓，另行再议")
        REJECTED = "rejected", _lazy("否决")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="agenda_entries", verbose_name=_lazy("会议")
    )
    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, related_name="agenda_entries", verbose_name=_lazy("议题")
    )
    position = models.PositiveSmallIntegerField(_lazy("顺序"))
    outcome = models.CharField(_lazy("结果"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_lazy("说明"), max_length=500, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    added_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _lazy("会议议程")
        verbose_name_plural = _lazy("会议议程")
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "item"], name="an_item_once_per_agenda"),
            models.UniqueConstraint(fields=["meeting", "position"], name="one_agenda_position"),
        ]

    def __str__(self):
        return f"{self.position}. {self.item}"

    @classmethod
    @transaction.atomic
    def add(cls, meeting, item, by):
        """Put a drafted item at the end of a council meeting's agenda."""
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.kind not in COUNCIL_MEETING_KINDS:
            raise ValidationError(_("只有议事会、联席会、党员代表大会和听证会的会议才有议程。"))
        if meeting.is_locked:
            raise ValidationError(_("会议记录已锁定，不能再改变议程。"))
        if item.organization_id != meeting.organization_id:
            raise ValidationError(_("该议题不是本社区的议题。"))
        if item.step != Step.DRAFT:
            raise ValidationError(
                _("只有已制订议案（处于“制订”环节）的议题才能列入会议议程；该议题处于“%(step)s”环节。")
                % {"step": item.get_step_display()}
            )
        pending = cls.objects.filter(item=item, outcome="").exclude(meeting=meeting).select_related("meeting").first()
        if pending is not None:
            raise ValidationError(
                _("该议题已列入%(day)s的会议议程，尚未有结果。") % {"day": f"{pending.meeting.date:%Y-%m-%d}"}
            )
        if cls.objects.filter(meeting=meeting, item=item).exists():
            raise ValidationError(_("该议题已在本次会议的议程上。"))
        last = cls.objects.filter(meeting=meeting).aggregate(last=models.Max("position"))["last"] or 0
        return cls.objects.create(meeting=meeting, item=item, position=last + 1, added_by=by)

    def _check_open(self):
        if self.meeting.is_locked:
            raise ValidationError(_("会议记录已锁定，不能再改变议程。"))
        if self.outcome:
            raise ValidationError(
                _("该议题在本次会议已有结果：%(outcome)s。") % {"outcome": self.get_outcome_display()}
            )

    @transaction.atomic
    def remove(self):
        entry = AgendaEntry.objects.select_for_update().select_related("meeting").get(pk=self.pk)
        entry._check_open()
        entry.delete()

    @transaction.atomic
    def adopt(self, by, text, votes_for, votes_against, votes_abstain):
        """The meeting adopted the item: its numbered resolution, recorded with the votes (refused at an
        inquorate meeting or without a majority of those entitled), and the item's adopt step."""
        entry = AgendaEntry.objects.select_for_update().select_related("meeting", "item").get(pk=self.pk)
        entry._check_open()
        meeting = entry.meeting
        if not meeting.is_held:
            raise ValidationError(_("会议尚未召开，不能登记表决结果。"))
        decision = Decision(
            meeting=meeting,
            text=(text or "").strip(),
            votes_for=votes_for or 0,
            votes_against=votes_against or 0,
            votes_abstain=votes_abstain or 0,
            recorded_by=by,
        )
        decision.full_clean()  # refuses an inquorate meeting and more votes than voters present
        quorum = meeting.quorum()
        if not decision.passed_with(quorum):
            raise ValidationError(
                {
                    "votes_for": _(
                        "赞成%(n)d票，未超过有表决权的%(entitled)d人的半数（须至少%(needed)d票），不能形成决议；"
                        "会议未通过的议题请登记为“暂缓”或“否决”。"
                    )
                    % {"n": decision.votes_for, "entitled": quorum.entitled, "needed": quorum.needed}
                }
            )
        resolution = Resolution.allocate(entry.item, decision, quorum)
        entry.item.advance(Step.ADOPT, by=by, meeting=meeting)
        entry.outcome = self.Outcome.ADOPTED
        entry.save(update_fields=["outcome"])
        self.outcome = entry.outcome
        return resolution

    @transaction.atomic
    def conclude(self, by, outcome, note):
        """The meeting deferred the item (it stays drafted, for a later meeting) or rejected it."""
        entry = AgendaEntry.objects.select_for_update().select_related("meeting", "item").get(pk=self.pk)
        entry._check_open()
        note = (note or "").strip()
        if outcome not in (self.Outcome.DEFERRED, self.Outcome.REJECTED):
            raise ValidationError(_("请选择“暂缓”或“否决”。"))
        if not entry.meeting.is_held:
            raise ValidationError(_("会议尚未召开，不能登记结果。"))
        if not note:
            raise ValidationError({"outcome_note": _("请写明会议的意见或否决原因。")})
        if outcome == self.Outcome.REJECTED:
            entry.item.advance(Step.REJECTED, by=by, on=entry.meeting.held_on, reason=note, meeting=entry.meeting)
        entry.outcome, entry.outcome_note = outcome, note
        entry.save(update_fields=["outcome", "outcome_note"])
        self.outcome, self.outcome_note = entry.outcome, entry.outcome_note
        return entry


class Resolution(models.Model):
    """A council's resolution adopting an item, numbered 〔year〕第n号 within the community and year.
    Its text and votes are the meeting's ``Decision``, so the minutes show it with the rest."""

    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="resolution", verbose_name=_lazy("表决事项")
    )
    item = models.OneToOneField(
        AgendaItem, on_delete=models.PROTECT, related_name="resolution", verbose_name=_lazy("议题")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="resolutions", verbose_name=_lazy("社区党组织")
    )
    year = models.PositiveSmallIntegerField(_lazy("年度"))
    sequence = models.PositiveIntegerField(_lazy("序号"))
    quorum_held = models.BooleanField(_lazy("达到法定人数"))
    entitled = models.PositiveIntegerField(_lazy("有表决权应到"), default=0)
    entitled_present = models.PositiveIntegerField(_lazy("有表决权实到"), default=0)

    class Meta:
        verbose_name = _lazy("决议")
        verbose_name_plural = _lazy("决议")
        ordering = ["organization", "year", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "sequence"], name="one_resolution_number"),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self):
        return self.number_of(self.year, self.sequence)

    @staticmethod
    def number_of(year, sequence):
        """How a resolution is numbered: on itself, on its meeting's decision and in the ledger."""
        return f"〔{year}〕第{sequence}号"

    @classmethod
    def allocate(cls, item, decision, quorum):
        """Number and save ``decision`` as ``item``'s resolution. The community's row is locked while
        the next number is taken, so two meetings recorded at once never share one (and the unique
        constraint would refuse it if they did)."""
        if not quorum.is_quorate:
            raise ValidationError(_("会议未达到法定人数，不能作出决议。"))
        Organization.objects.select_for_update().filter(pk=item.organization_id).first()
        year = decision.meeting.held_on.year
        last = cls.objects.filter(organization_id=item.organization_id, year=year).aggregate(
            last=models.Max("sequence")
        )["last"]
        sequence = (last or 0) + 1
        decision.number = cls.number_of(year, sequence)
        decision.save()
        return cls.objects.create(
            decision=decision,
            item=item,
            organization_id=item.organization_id,
            year=year,
            sequence=sequence,
            quorum_held=quorum.is_quorate,
            entitled=quorum.entitled,
            entitled_present=quorum.entitled_present,
        )


class ConsultationOutcome(models.Model):
    """What the residents made of the plan put to them (recorded once by the secretary)."""

    class Result(models.TextChoices):
        APPROVED = "approved", _lazy("同意")
        CHANGED = "changed", _lazy("修改后同意")
        REJECTED = "rejected", _lazy("不同意")

    item = models.OneToOneField(
        AgendaItem, on_delete=models.PROTECT, related_name="consultation", verbose_name=_lazy("议题")
    )
    result = models.CharField(_lazy("评议结果"), max_length=16, choices=Result.choices)
    decided_on = models.DateField(_lazy("评议日期"))
    paper_vote = models.BooleanField(_lazy("进行了书面表决"), default=False)
    votes_for = models.PositiveIntegerField(_lazy("同意票"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_lazy("不同意票"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_lazy("弃权票"), null=True, blank=True)
    summary = models.TextField(_lazy("居民意见综述"))
    changes = models.TextField(_lazy("对方案的修改"), blank=True)
    public_text = models.TextField(
        _lazy("修改后的公示方案"), blank=True, help_text=_lazy("修改后同意时填写，替换社区议事园上的方案。")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    recorded_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _lazy("居民评议结果")
        verbose_name_plural = _lazy("居民评议结果")

    def __str__(self):
        return self.get_result_display()

    @property
    def counts_text(self):
        if not self.paper_vote:
            return ""
        return _("同意%(f)d票，不同意%(a)d票，弃权%(b)d票") % {
            "f": self.votes_for or 0,
            "a": self.votes_against or 0,
            "b": self.votes_abstain or 0,
        }

    def clean(self):
        errors = {}
        if not (self.summary or "").strip():
            errors["summary"] = _("请概括居民的意见。")
        if self.decided_on:
            if self.decided_on > _today():
                errors["decided_on"] = _("评议日期不能晚于今天。")
            elif self.item_id and self.decided_on < self.item.step_on:
                errors["decided_on"] = _("评议日期不能早于方案公示的日期%(day)s。") % {
                    "day": f"{self.item.step_on:%Y-%m-%d}"
                }
        counts = (self.votes_for, self.votes_against, self.votes_abstain)
        if self.paper_vote and any(count is None for count in counts):
            errors["votes_for"] = _("进行了书面表决时，请填写同意、不同意和弃权票数。")
        if not self.paper_vote and any(count is not None for count in counts):
            errors["paper_vote"] = _("填写了票数时，请勾选“进行了书面表决”。")
        if self.paper_vote and "votes_for" not in errors and self.result:
            approved = self.votes_for > self.votes_against
            if self.result == self.Result.REJECTED and approved:
                errors["result"] = _("书面表决同意票多于不同意票，与“不同意”的结果不符。")
            if self.result != self.Result.REJECTED and not approved:
                errors["result"] = _("书面表决同意票未多于不同意票，与“%(result)s”的结果不符。") % {
                    "result": self.get_result_display()
                }
        if self.result == self.Result.CHANGED:
            if not (self.changes or "").strip():
                errors["changes"] = _("修改后同意时，请写明对方案作了哪些修改。")
            if not (self.public_text or "").strip():
                errors["public_text"] = _("请填写修改后的公示方案。")
        elif (self.public_text or "").strip():
            errors["public_text"] = _("只有“修改后同意”时才替换公示方案。")
        refuse_personal_data(self.public_text, "public_text", errors)
        if errors:
            raise ValidationError(errors)


class Comment(models.Model):
    """A resident's comment on a plan out for consultation. Shown only once a moderator lets it be;
    hidden with a reason, never deleted; the phone number given is for the secretary, never shown."""

    MAX_LENGTH = 1000

    class Status(models.TextChoices):
        PENDING = "pending", _lazy("待审核")
        SHOWN = "shown", _lazy("已公开")
        HIDDEN = "hidden", _lazy("不公开")

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="comments", verbose_name=_lazy("议题"))
    body = models.TextField(_lazy("意见"), max_length=MAX_LENGTH)
    name = models.CharField(_lazy("署名"), max_length=30, blank=True)
    phone = models.CharField(_lazy("联系电话"), max_length=20, blank=True)
    submitted_at = models.DateTimeField(_lazy("提交时间"), default=timezone.now)
    status = models.CharField(_lazy("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    hidden_reason = models.CharField(_lazy("不公开的原因"), max_length=200, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("审核人"),
    )
    moderated_at = models.DateTimeField(_lazy("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _lazy("居民意见")
        verbose_name_plural = _lazy("居民意见")
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["item", "status"]), models.Index(fields=["status", "submitted_at"])]

    def __str__(self):
        return self.body[:30]

    def delete(self, *args, **kwargs):
        raise ValidationError(_("居民意见不能删除；不宜公开的请隐藏并写明原因。"))

    def clean(self):
        errors = {}
        self.body = (self.body or "").strip()
        self.name = " ".join((self.name or "").split())
        if not self.body:
            errors["body"] = _("请填写您的意见。")
        elif len(self.body) > self.MAX_LENGTH:
            errors["body"] = _("意见最多%(max)d字，现有%(n)d字。") % {"max": self.MAX_LENGTH, "n": len(self.body)}
        elif mask_personal_data(self.body) != self.body:
            errors["body"] = _("意见中请不要写电话号码或身份证号；联系电话请填在下面“联系电话”一栏，不会公开。")
        if self.name and mask_personal_data(self.name) != self.name:
            errors["name"] = _("署名中不要写电话号码或身份证号。")
        if errors:
            raise ValidationError(errors)

    @transaction.atomic
    def moderate(self, action, by, reason=""):
        """Show or hide the comment; every decision is logged with who and when."""
        comment = Comment.objects.select_for_update().get(pk=self.pk)
        reason = (reason or "").strip()
        if action not in (CommentModeration.Action.SHOW, CommentModeration.Action.HIDE):
            raise ValidationError(_("请选择公开或不公开。"))
        if action == CommentModeration.Action.HIDE and not reason:
            raise ValidationError({"reason": _("不公开的意见请写明原因。")})
        now = timezone.now()
        comment.status = self.Status.SHOWN if action == CommentModeration.Action.SHOW else self.Status.HIDDEN
        comment.hidden_reason = reason if action == CommentModeration.Action.HIDE else ""
        comment.moderated_by, comment.moderated_at = by, now
        comment.save(update_fields=["status", "hidden_reason", "moderated_by", "moderated_at"])
        CommentModeration.objects.create(comment=comment, action=action, reason=reason, by=by, at=now)
        self.refresh_from_db()
        return comment


class CommentModeration(AppendOnly, models.Model):
    """One moderation decision on a comment (append-only)."""

    unchangeable = _lazy("审核记录不可更改。")
    undeletable = _lazy("审核记录不可删除。")

    class Action(models.TextChoices):
        SHOW = "show", _lazy("公开")
        HIDE = "hide", _lazy("不公开")

    comment = models.ForeignKey(
        Comment, on_delete=models.PROTECT, related_name="moderations", verbose_name=_lazy("居民意见")
    )
    action = models.CharField(_lazy("审核"), max_length=8, choices=Action.choices)
    reason = models.CharField(_lazy("原因"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_lazy("审核人")
    )
    at = models.DateTimeField(_lazy("审核时间"), default=timezone.now)

    class Meta:
        verbose_name = _lazy("意见审核记录")
        verbose_name_plural = _lazy("意见审核记录")
        ordering = ["comment", "at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"


class ImplementationTask(models.Model):
    """A task of an item's implementation, with its due date, until done."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="tasks", verbose_name=_lazy("议题"))
    text = models.CharField(_lazy("任务"), max_length=300)
    responsible = models.CharField(
        _lazy("负责方"), max_length=100, help_text=_lazy("如：党员服务站、某驻区单位、某楼栋党支部。")
    )
    due_on = models.DateField(_lazy("完成期限"))
    done_on = models.DateField(_lazy("完成日期"), null=True, blank=True)
    done_note = models.CharField(_lazy("完成情况"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _lazy("实施任务")
        verbose_name_plural = _lazy("实施任务")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["done_on", "due_on"])]

    def __str__(self):
        return self.text[:50]

    def is_overdue(self, today=None):
        return self.done_on is None and self.due_on < (today or _today())

    def clean(self):
        errors = {}
        self.text = " ".join((self.text or "").split())
        if not self.text:
            errors["text"] = _("请填写任务内容。")
        if not (self.responsible or "").strip():
            errors["responsible"] = _("请填写负责方。")
        if self.item_id and self.item.step != Step.IMPLEMENT:
            errors["text"] = _("议题处于“实施”环节时才能安排或完成任务；该议题处于“%(step)s”环节。") % {
                "step": self.item.get_step_display()
            }
        elif self.item_id and self.due_on and self.due_on < self.item.step_on:
            errors["due_on"] = _("完成期限不能早于开始实施的日期%(day)s。") % {"day": f"{self.item.step_on:%Y-%m-%d}"}
        if self.done_on:
            if self.done_on > _today():
                errors["done_on"] = _("完成日期不能晚于今天。")
            elif self.item_id and self.done_on < self.item.step_on:
                errors["done_on"] = _("完成日期不能早于开始实施的日期。")
        if errors:
            raise ValidationError(errors)


class ProgressNote(AppendOnly, models.Model):
    """A dated note of how far the implementation has come (append-only); its text and photos are
    shown on the public page."""

    unchangeable = _lazy("进展记录不可更改。")
    undeletable = _lazy("进展记录不可删除。")

    item = models.ForeignKey(
        AgendaItem, on_delete=models.PROTECT, related_name="progress_notes", verbose_name=_lazy("议题")
    )
    on = models.DateField(_lazy("日期"))
    percent = models.PositiveSmallIntegerField(_lazy("进度（%）"))
    text = models.TextField(_lazy("进展情况"), help_text=_lazy("在社区议事园公开显示：不要写姓名、电话、住址。"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    recorded_at = models.DateTimeField(_lazy("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _lazy("实施进展")
        verbose_name_plural = _lazy("实施进展")
        ordering = ["item", "on", "id"]
        indexes = [models.Index(fields=["item", "on"])]

    def __str__(self):
        return f"{self.on} {self.percent}%"

    def clean(self):
        errors = {}
        self.text = (self.text or "").strip()
        if not self.text:
            errors["text"] = _("请填写进展情况。")
        refuse_personal_data(self.text, "text", errors)
        if self.percent is not None and not 0 <= self.percent <= 100:
            errors["percent"] = _("进度应在0到100之间。")
        if self.item_id:
            if self.item.step != Step.IMPLEMENT:
                errors["text"] = _("议题处于“实施”环节时才能登记进展。")
            else:
                last = self.item.progress_notes.order_by("-on", "-id").first()
                if self.on and self.on < self.item.step_on:
                    errors["on"] = _("日期不能早于开始实施的日期%(day)s。") % {"day": f"{self.item.step_on:%Y-%m-%d}"}
                elif last is not None and self.on and self.on < last.on:
                    errors["on"] = _("日期不能早于上一次进展的日期%(day)s。") % {"day": f"{last.on:%Y-%m-%d}"}
                elif last is not None and self.percent is not None and self.percent < last.percent:
                    errors["percent"] = _("进度不能低于上一次的%(n)d%%。") % {"n": last.percent}
        if self.on and self.on > _today():
            errors["on"] = _("日期不能晚于今天。")
        if errors:
            raise ValidationError(errors)


def strip_image_metadata(data, content_type):
    """The photo's bytes without what a phone writes beside the picture (EXIF with the place it was
    taken, comments): a progress photo is shown to anyone. JPEG: the APPn segments but JFIF and
    Adobe's colour marker are dropped; PNG: the text and eXIf chunks."""
    if content_type == "image/jpeg":
        return _strip_jpeg(data)
    if content_type == "image/png":
        return _strip_png(data)
    return data


def _strip_jpeg(data):
    out, position = bytearray(data[:2]), 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xDA:  # start of scan: the picture itself, to the end
            break
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        segment = data[position : position + 2 + length]
        keep = not (0xE1 <= marker <= 0xEF or marker == 0xFE) or segment[4:9] == b"Adobe"
        if keep:
            out += segment
        position += 2 + length
    return bytes(out + data[position:])


def _strip_png(data):
    out, position = bytearray(data[:8]), 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        chunk = data[position : position + 12 + length]
        if kind not in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"):
            out += chunk
        position += 12 + length
    return bytes(out)


def progress_photo_path(instance, filename):
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(instance.content_type, "bin")
    return f"council/{_today():%Y/%m}/{instance.note.item_id}-{timezone.now():%H%M%S%f}.{extension}"


class ProgressPhoto(models.Model):
    """A photo of a progress note (JPG or PNG, without its metadata)."""

    TYPES = ("image/jpeg", "image/png")

    note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, related_name="photos", verbose_name=_lazy("进展"))
    file = models.FileField(_lazy("照片"), upload_to=progress_photo_path, max_length=200)
    caption = models.CharField(_lazy("说明"), max_length=200, blank=True)
    content_type = models.CharField(_lazy("文件类型"), max_length=50, editable=False)
    size = models.PositiveIntegerField(_lazy("大小（字节）"), default=0, editable=False)
    uploaded_at = models.DateTimeField(_lazy("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _lazy("进展照片")
        verbose_name_plural = _lazy("进展照片")
        ordering = ["note", "id"]

    def __str__(self):
        return self.caption or self.file.name

    @staticmethod
    def check_photo(upload):
        """(content type, clean bytes) of an uploaded photo, or a ValidationError saying why not: the
        meeting attachments' checks (size, what the bytes are), and only JPG or PNG."""
        content_type, _size = check_upload(upload)
        if content_type not in ProgressPhoto.TYPES:
            raise ValidationError({"file": _("进展照片只能是JPG或PNG图片。")})
        upload.seek(0)
        return content_type, strip_image_metadata(upload.read(), content_type)
