"""Meetings and organizational life: 三会一课, theme Party days, organizational-life meetings and the
yearly democratic appraisal, with the schedule rules they are judged by kept as data.

A meeting keeps the list of those expected to attend **frozen** at its creation, taken from the
register as it stood on the meeting's date (``expected_on``): attendance counts, the attendance
rate, the quorum and every vote are computed from these rows, so a member who joins or leaves the
branch afterwards does not change what the meeting was. Whether an attendee may vote is frozen
with the row as well (probationary members attend but do not vote).

The Party-member council (issue 15) builds on the same meetings: council and joint meetings are
meeting kinds, and its agenda items and resolutions will point at meetings and decisions.
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
}
# Meetings whose attendees are chosen by whoever creates them (a committee, a council), not taken
# from the organization's whole register.
CHOSEN_ATTENDEES = (MeetingKind.COMMITTEE, MeetingKind.COUNCIL, MeetingKind.JOINT)


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
        self.expected_on = day
        Meeting.objects.filter(pk=self.pk).update(expected_on=day)

    def mark(self, member, status, *, guest=False, leave_reason="", name="", note=""):
        """Mark one person's attendance. Someone not on the frozen list is recorded only as a guest
        (列席), and a guest never votes."""
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
        self.locked_at, self.locked_by = timezone.now(), user
        Meeting.objects.filter(pk=self.pk).update(locked_at=self.locked_at, locked_by=user)

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
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True)

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
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True)

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
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True)

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
