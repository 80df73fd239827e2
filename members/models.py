"""Party members and the append-only log of their changes.

A member's organization, status, category, management type and standing are never edited
directly: they are the state after the member's latest valid ``MemberChange`` and are written
only by ``members.changes.apply_change``.
"""

import datetime
import functools
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from members.disclosure import duplicate_message
from organizations.models import Organization
from portal.identity import (
    id_birth_date,
    id_gender,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
    number_term,
    validate_id_number,
    validate_phone,
)
from portal.models import AppendOnly


class Gender(models.TextChoices):
    MALE = "M", _lazy("男")
    FEMALE = "F", _lazy("女")


class Status(models.TextChoices):
    FULL = "full", _lazy("正式党员")
    PROBATIONARY = "probationary", _lazy("预备党员")


class Category(models.TextChoices):
    IN_SERVICE = "in_service", _lazy("在职")
    RETIRED = "retired", _lazy("离退休")
    LAID_OFF = "laid_off", _lazy("下岗失业")
    SELF_EMPLOYED = "self_employed", _lazy("私营业主、个体")
    MOBILE = "mobile", _lazy("流动")
    OTHER = "other", _lazy("其他")


class ManagementType(models.TextChoices):
    SELF_MANAGED = "self_managed", _lazy("自管党员")
    IN_SERVICE = "in_service", _lazy("在职报到党员")
    MOBILE_OUT = "mobile_out", _lazy("流出党员")
    MOBILE_IN = "mobile_in", _lazy("流入党员")


class Standing(models.TextChoices):
    ACTIVE = "active", _lazy("在册")
    TRANSFERRED_OUT = "transferred_out", _lazy("已转出")
    LEFT = "left", _lazy("已离开")
    DECEASED = "deceased", _lazy("已逝世")
    REMOVED = "removed", _lazy("已出党")
    PROBATION_CANCELLED = "disqualified", _lazy("已取消预备党员资格")
    VOID = "void", _lazy("登记已撤销")


class Education(models.TextChoices):
    PRIMARY = "primary", _lazy("小学")
    JUNIOR = "junior", _lazy("初中")
    SENIOR = "senior", _lazy("高中、中专")
    COLLEGE = "college", _lazy("大专")
    BACHELOR = "bachelor", _lazy("本科")
    POSTGRADUATE = "postgraduate", _lazy("研究生")


# Relationship held here: these members can be confirmed, transferred out or sent out mobile.
RELATIONSHIP_HERE = (ManagementType.SELF_MANAGED, ManagementType.MOBILE_OUT)
MOBILE_TYPES = (ManagementType.MOBILE_OUT, ManagementType.MOBILE_IN)
AGE_BANDS = (
    ("under_30", _lazy("30岁以下"), None, 30),
    ("30_40", _lazy("30–40岁"), 30, 40),
    ("40_50", _lazy("40–50岁"), 40, 50),
    ("50_60", _lazy("50–60岁"), 50, 60),
    ("60_plus", _lazy("60岁及以上"), 60, None),
)


@functools.lru_cache(maxsize=20_000)
def _readings(char, all_readings):
    """Pinyin of one character (every reading for a surname: 曾 zeng/ceng); remembered, as a roster
    of 20,000 names repeats a few thousand characters."""
    from pypinyin import Style, pinyin

    found = pinyin(char, style=Style.NORMAL, heteronym=all_readings, errors="ignore")
    readings = [reading.lower() for reading in found[0]] if found else []
    return tuple(dict.fromkeys(readings)) or ("",)


def pinyin_keys(name):
    """(full pinyin, initials) of a name, space-separated over the surname's readings."""
    name = "".join((name or "").split())
    if not name:
        return "", ""
    rest = [_readings(char, False)[0] for char in name[1:]]
    surnames = _readings(name[0], True)
    full = " ".join(reading + "".join(rest) for reading in surnames)
    initials = " ".join(reading[:1] + "".join(syllable[:1] for syllable in rest) for reading in surnames)
    return full, initials


def years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Probation:
    """A probationary member's year: confirmation is possible from its end; an extension (at most
    a year, as the attention list counts it) moves the latest end."""

    joined_on: datetime.date
    extended: bool
    today: datetime.date

    @property
    def ends_on(self):
        return years_before(self.joined_on, -2 if self.extended else -1)

    @property
    def confirmable_from(self):
        return years_before(self.joined_on, -1)

    @property
    def may_confirm(self):
        return self.today >= self.confirmable_from

    @property
    def days_left(self):
        return (self.ends_on - self.today).days

    @property
    def days_over(self):
        return -self.days_left


class MemberQuerySet(models.QuerySet):
    def current(self):
        """Members on the register now."""
        return self.filter(standing=Standing.ACTIVE)

    def under(self, organization):
        # Through the organizations' ids rather than a join on path: the member index
        # (standing, organization) then does the work, whatever the size of the district.
        return self.filter(organization__in=Organization.objects.under(organization).values("pk"))

    def search(self, term, tails_in=None):
        """Name, pinyin initials (zwh) or full pinyin from the start; a complete ID number or phone; the last digits
        of either only for members of ``tails_in`` (organizations whose members' numbers the searcher
        may see in full): for anyone else a tail would rebuild a masked number digit by digit."""
        number = number_term(term)
        term = "".join(normalize_id_number(term).split())
        if not term:
            return self
        if term.isascii() and term.isalpha():
            # Pinyin is typed from the surname on (zwh, zhangwei): a prefix, which an index finds in
            # a district's register as fast as in a street's.
            condition = Q(name_initials__startswith=term.lower()) | Q(name_pinyin__startswith=term.lower())
        else:
            condition = Q(name__contains=term)  # a given name too (卫华); trigram-indexed on PostgreSQL
        if number:
            condition |= Q(id_number=number) | Q(phone=normalize_phone(number))
            if tails_in is not None:
                tails = Q(id_number__endswith=number) | Q(phone__endswith=number)
                condition |= tails & Q(organization__in=tails_in)
        return self.filter(condition)

    def counts_by_path(self):
        """{organization path: (members, full members)} for the organizations members sit in."""
        rows = self.values("organization__path").annotate(
            total=Count("id"), full=Count("id", filter=Q(status=Status.FULL))
        )
        return {row["organization__path"]: (row["total"], row["full"]) for row in rows}


def subtree_counts(organizations, members=None):
    """{organization id: (members, full members)} over each node's whole subtree, in one query."""
    counts_by_path = (members if members is not None else Member.objects.current()).counts_by_path()
    steplen = Organization.steplen
    rolled_up = {}  # every ancestor path of a member's organization gets the member counted
    for path, (total, full) in counts_by_path.items():
        for end in range(steplen, len(path) + 1, steplen):
            old_total, old_full = rolled_up.get(path[:end], (0, 0))
            rolled_up[path[:end]] = (old_total + total, old_full + full)
    return {org.pk: rolled_up.get(org.path, (0, 0)) for org in organizations}


def branches_and_groups(members):
    """{member id: (branch name, group name)} with one query for all their organizations."""
    steplen = Organization.steplen
    paths = {m.organization.path[: depth * steplen] for m in members for depth in (3, 4)}
    names = dict(Organization.objects.filter(path__in=paths, depth__gte=3).values_list("path", "name"))
    result = {}
    for member in members:
        path = member.organization.path
        group = names.get(path[: 4 * steplen], "") if len(path) >= 4 * steplen else ""
        result[member.pk] = (names.get(path[: 3 * steplen], ""), group)
    return result


class Member(models.Model):
    # Personal details: edited freely (and audited).
    name = models.CharField(_lazy("姓名"), max_length=50, db_index=True)
    gender = models.CharField(_lazy("性别"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_lazy("民族"), max_length=20, default="汉族")
    birth_date = models.DateField(_lazy("出生日期"))
    id_number = models.CharField(_lazy("身份证号"), max_length=18, db_index=True)
    phone = models.CharField(_lazy("联系电话"), max_length=20, blank=True)
    address = models.CharField(_lazy("家庭住址"), max_length=200, blank=True)
    education = models.CharField(_lazy("学历"), max_length=16, choices=Education.choices, blank=True)
    employer = models.CharField(_lazy("工作单位"), max_length=100, blank=True)
    post = models.CharField(_lazy("职务"), max_length=50, blank=True)
    # Optional: old rosters often lack it; a member without it is a data-quality item.
    joined_on = models.DateField(_lazy("入党时间"), null=True, blank=True)
    confirmed_on = models.DateField(_lazy("转正时间"), null=True, blank=True)
    mobile_card_number = models.CharField(_lazy("流动党员活动证号"), max_length=50, blank=True)
    mobile_place = models.CharField(_lazy("流出去向/流入来源"), max_length=100, blank=True)
    mobile_contact = models.CharField(_lazy("联系人"), max_length=50, blank=True)
    last_contact_on = models.DateField(_lazy("最近联系日期"), null=True, blank=True)
    notes = models.TextField(_lazy("备注"), blank=True)
    # Flags a roster can carry (the national system's 是否失联党员 / 是否流动党员): attention items.
    lost_contact = models.BooleanField(_lazy("失联党员"), default=False)
    marked_mobile = models.BooleanField(_lazy("花名册标注为流动党员"), default=False)
    # Derived from the name on save, for search by pinyin (张卫华: zhangweihua, zwh).
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False, db_index=True)
    name_initials = models.CharField(max_length=50, blank=True, editable=False, db_index=True)

    # State: written only by members.changes.apply_change.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="members", verbose_name=_lazy("所在组织")
    )
    status = models.CharField(_lazy("党员类别"), max_length=16, choices=Status.choices)
    category = models.CharField(_lazy("人员类别"), max_length=16, choices=Category.choices)
    management_type = models.CharField(_lazy("管理方式"), max_length=16, choices=ManagementType.choices)
    standing = models.CharField(_lazy("在册状态"), max_length=16, choices=Standing.choices, default=Standing.ACTIVE)

    # Bumped on every save; a form that read an older version is refused (no silent overwrite).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_lazy("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    objects = MemberQuerySet.as_manager()

    DETAIL_FIELDS = (
        "name",
        "gender",
        "ethnicity",
        "birth_date",
        "id_number",
        "phone",
        "address",
        "education",
        "employer",
        "post",
        "joined_on",
        "mobile_card_number",
        "mobile_place",
        "mobile_contact",
        "last_contact_on",
        "lost_contact",
        "marked_mobile",
        "notes",
    )

    class Meta:
        verbose_name = _lazy("党员")
        verbose_name_plural = _lazy("党员")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"], condition=Q(standing="active"), name="unique_current_id_number"
            ),
        ]
        # The member list's search and "近→远" order have indexes of their own, made by migration
        # 0010 for each database (SQLite has neither trigram indexes nor NULLS LAST in an index).
        indexes = [models.Index(fields=["standing", "organization"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self.version += 1
        self.name_pinyin, self.name_initials = pinyin_keys(self.name)
        super().save(*args, **kwargs)

    def save_if_unchanged(self, fields, expected_version):
        """Write ``fields`` only if the record is still at ``expected_version``; False if someone saved meanwhile.

        One ``UPDATE … WHERE version = …``: of two edits built on the same version exactly one
        matches, however close together they arrive (a check in Python, then a save, lets both win).
        """
        self.name_pinyin, self.name_initials = pinyin_keys(self.name)
        names = [*fields, "name_pinyin", "name_initials"]
        values = {name: getattr(self, name) for name in names}
        updated = Member.objects.filter(pk=self.pk, version=expected_version).update(
            **values, updated_at=timezone.now(), version=F("version") + 1
        )
        if updated:
            self.version = expected_version + 1
        return bool(updated)

    @property
    def masked_id_number(self):
        return mask_id_number(self.id_number)

    @property
    def age(self):
        return self.age_on(datetime.date.today())

    def age_on(self, day):
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def clean(self):
        errors = {}
        self.name = " ".join((self.name or "").split())
        try:
            self.id_number = validate_id_number(self.id_number)
        except ValidationError as error:
            self.id_number = normalize_id_number(self.id_number)
            errors["id_number"] = error.messages
        else:
            if self.birth_date and self.birth_date != id_birth_date(self.id_number):
                errors["birth_date"] = _("出生日期与身份证号不符（身份证号为%(d)s）。") % {
                    "d": id_birth_date(self.id_number)
                }
            if self.gender and self.gender != id_gender(self.id_number):
                errors["gender"] = _("性别与身份证号不符（身份证号为%(g)s）。") % {
                    "g": Gender(id_gender(self.id_number)).label
                }
            other = self.duplicate_on_register() if self.standing == Standing.ACTIVE else None
            if other:
                # Named only to someone whose scope holds it; ``checked_by`` is set by the form or
                # register_member (absent: nobody's scope, e.g. a command).
                errors["id_number"] = duplicate_message(other, getattr(self, "checked_by", None))
        try:
            self.phone = validate_phone(self.phone)
        except ValidationError as error:
            self.phone = normalize_phone(self.phone)
            errors["phone"] = error.messages
        today = datetime.date.today()
        if self.birth_date and self.birth_date > today:
            errors.setdefault("birth_date", _("出生日期不能晚于今天。"))
        if self.joined_on:
            if self.joined_on > today:
                errors["joined_on"] = _("入党时间不能晚于今天。")
            elif self.birth_date and self.age_on(self.joined_on) < 18:
                errors["joined_on"] = _("入党时应年满18周岁。")
        if self.confirmed_on and self.joined_on and self.confirmed_on < self.joined_on:
            errors["confirmed_on"] = _("转正时间不能早于入党时间。")
        if self.last_contact_on and self.last_contact_on > today:
            errors["last_contact_on"] = _("最近联系日期不能晚于今天。")
        if errors:
            raise ValidationError(errors)

    def duplicate_on_register(self):
        if not self.id_number:
            return None
        return (
            Member.objects.current()
            .filter(id_number=self.id_number)
            .exclude(pk=self.pk)
            .select_related("organization")
            .first()
        )

    def probation(self, today=None):
        """The probation of a probationary member with a joining date, else None."""
        if self.status != Status.PROBATIONARY or self.joined_on is None:
            return None
        extended = self.changes.valid().filter(kind=MemberChange.Kind.PROBATION_EXTENDED).exists()
        return Probation(self.joined_on, extended, today or datetime.date.today())

    def data_quality(self):
        """What the record lacks or a roster flagged: shown on the member's page, counted on the
        dashboard's data-quality table."""
        return [
            label
            for label, missing in (
                (_("缺入党时间"), self.joined_on is None),
                (_("缺联系电话"), not self.phone),
                (_("缺家庭住址"), not self.address),
                (_("缺学历"), not self.education),
                (_("花名册标注为失联党员"), self.lost_contact),
                (_("花名册标注为流动党员"), self.marked_mobile and self.management_type not in MOBILE_TYPES),
            )
            if missing
        ]

    def valid_changes(self):
        return self.changes.valid().order_by("effective_date", "id")


class MemberChangeQuerySet(models.QuerySet):
    def of_period(self, organization, start, end):
        """Entries dated ``start``..``end`` of the members now under ``organization`` (the home
        page's "本月党员变动", the change list and the change ledger count the same entries)."""
        return self.filter(
            member__in=Member.objects.under(organization).values("pk"), effective_date__range=(start, end)
        )

    def valid(self):
        """Entries that stand: neither a correction nor corrected by one."""
        # NOT EXISTS rather than a left join on the corrections: PostgreSQL plans it as an anti
        # join and estimates its rows honestly (the join's "IS NULL" filter it estimated at one row).
        corrected = MemberChange.objects.filter(reverses=OuterRef("pk"))
        return self.exclude(kind=MemberChange.Kind.CORRECTION).filter(~Exists(corrected))


class MemberChange(AppendOnly, models.Model):
    """One entry of a member's history. Append-only: a mistake is reversed by a correction."""

    unchangeable = _lazy("变动记录不可修改；如有错误，请登记一条更正。")
    undeletable = _lazy("变动记录不可删除；如有错误，请登记一条更正。")

    class Kind(models.TextChoices):
        REGISTRATION = "registration", _lazy("登记")
        ADMISSION = "admission", _lazy("接收预备党员")
        TRANSFER_IN = "transfer_in", _lazy("组织关系转入")
        TRANSFER_OUT = "transfer_out", _lazy("组织关系转出")
        MOVE = "move", _lazy("街道内调整")
        MOBILE_OUT = "mobile_out", _lazy("外出流动")
        MOBILE_RETURN = "mobile_return", _lazy("流动返回")
        MOBILE_IN = "mobile_in", _lazy("流入登记")
        LEAVE = "leave", _lazy("离开本社区")
        CONFIRMATION = "confirmation", _lazy("预备党员转正")
        PROBATION_EXTENDED = "probation_extended", _lazy("延长预备期")
        CATEGORY_CHANGE = "category_change", _lazy("人员类别变更")
        DEATH = "death", _lazy("逝世")
        REMOVAL = "removal", _lazy("出党")
        PROBATION_CANCELLED = "probation_cancelled", _lazy("取消预备党员资格")
        CORRECTION = "correction", _lazy("更正（撤销上一条）")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="changes", verbose_name=_lazy("党员"))
    kind = models.CharField(_lazy("变动类型"), max_length=24, choices=Kind.choices)
    effective_date = models.DateField(_lazy("生效日期"))

    # Where from and, for changes that cross the street's boundary, the other side.
    from_organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("原组织"),
    )
    external_organization = models.CharField(_lazy("对方组织"), max_length=200, blank=True)
    letter_number = models.CharField(_lazy("介绍信编号"), max_length=50, blank=True)
    mobile_card_number = models.CharField(_lazy("流动党员活动证号"), max_length=50, blank=True)
    place = models.CharField(_lazy("流出去向/流入来源"), max_length=100, blank=True)
    contact_person = models.CharField(_lazy("联系人"), max_length=50, blank=True)
    note = models.CharField(_lazy("说明"), max_length=500, blank=True)
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_lazy("撤销的记录"),
    )

    # The member's state after this entry: what "as of" figures are computed from.
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_lazy("所在组织")
    )
    status = models.CharField(_lazy("党员类别"), max_length=16, choices=Status.choices)
    category = models.CharField(_lazy("人员类别"), max_length=16, choices=Category.choices)
    management_type = models.CharField(_lazy("管理方式"), max_length=16, choices=ManagementType.choices)
    standing = models.CharField(_lazy("在册状态"), max_length=16, choices=Standing.choices)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("记录人"),
    )
    recorded_at = models.DateTimeField(_lazy("记录时间"), default=timezone.now)

    objects = MemberChangeQuerySet.as_manager()

    STATE_FIELDS = ("organization_id", "status", "category", "management_type", "standing")

    class Meta:
        verbose_name = _lazy("党员变动")
        verbose_name_plural = _lazy("党员变动")
        ordering = ["-effective_date", "-id"]
        indexes = [
            models.Index(fields=["member", "effective_date", "id"]),
            models.Index(fields=["effective_date", "kind"]),
        ]

    def __str__(self):
        return f"{self.effective_date} {self.member} {self.get_kind_display()}"


class ImportBatch(models.Model):
    """One roster file: what its preview found and what its commit wrote."""

    class Status(models.TextChoices):
        ANALYSING = "analysing", _lazy("检查中")
        PREVIEWED = "previewed", _lazy("待确认")
        COMMITTING = "committing", _lazy("导入中")
        COMMITTED = "committed", _lazy("已导入")
        REFUSED = "refused", _lazy("未导入")
        FAILED = "failed", _lazy("出错")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="import_batches", verbose_name=_lazy("导入到")
    )
    file_name = models.CharField(_lazy("文件名"), max_length=255)
    file_data = models.BinaryField(editable=False)  # kept between preview and commit
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_lazy("导入人")
    )
    uploaded_at = models.DateTimeField(_lazy("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_lazy("导入时间"), null=True, blank=True)
    status = models.CharField(_lazy("状态"), max_length=16, choices=Status.choices, default=Status.ANALYSING)
    valid_only = models.BooleanField(_lazy("只导入无误的行"), default=False)
    new_count = models.PositiveIntegerField(_lazy("新增"), default=0)
    updated_count = models.PositiveIntegerField(_lazy("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_lazy("未变"), default=0)
    rejected_count = models.PositiveIntegerField(_lazy("有问题"), default=0)
    rejected_rows = models.JSONField(default=list, blank=True)  # [{"row", "cells", "problems"}]
    extra_columns = models.JSONField(default=list, blank=True)
    headers = models.JSONField(default=list, blank=True)
    # How the columns were read ([{position, header, field, how}]), the user's mapping of them
    # ({"position": field}), the decisions asked once for the whole file ({"branch": id, "status":
    # …, "category": …}) and what still has to be decided ({field: rows}).
    columns = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(null=True, blank=True)
    decisions = models.JSONField(default=dict, blank=True)
    pending = models.JSONField(default=dict, blank=True)
    inferred = models.JSONField(default=dict, blank=True)  # {"status_full": rows read as full by rule}
    unknown_places = models.JSONField(default=dict, blank=True)  # {branch name in the file: rows}
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    task_id = models.UUIDField(null=True, blank=True, editable=False)  # the background job, for large files

    RUNNING = (Status.ANALYSING, Status.COMMITTING)

    class Meta:
        verbose_name = _lazy("花名册导入批次")
        verbose_name_plural = _lazy("花名册导入批次")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"{self.file_name}（{self.get_status_display()}）"

    def check_job(self):
        """How the background job of a running batch stands: "running", "waiting" (no worker is
        up), or "lost" — its worker died (a restart, a kill), and the batch is marked failed,
        having written nothing (the job's transaction never committed)."""
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from portal.worker import alive_workers, is_alive

        if self.status not in self.RUNNING or self.task_id is None:
            return None
        job = DBTaskResult.objects.filter(pk=self.task_id).first()
        if job is not None and job.status == TaskResultStatus.READY:
            return "running" if alive_workers().exists() else "waiting"
        worker = job.worker_ids[-1] if job is not None and job.worker_ids else None
        if job is not None and job.status == TaskResultStatus.RUNNING and worker and is_alive(worker):
            return "running"
        # Finished or failed without the batch saying so, or its worker gone: it will not finish.
        lost = ImportBatch.objects.filter(pk=self.pk, status__in=self.RUNNING).update(
            status=self.Status.FAILED,
            message=_("后台任务中断（服务器或后台任务程序重启），没有写入任何数据。可点“重新检查”再试一次。"),
        )
        self.refresh_from_db()  # unless the job finished a moment ago, and the batch says how
        return "lost" if lost else None

    @property
    def percent(self):
        return int(100 * self.progress / self.total) if self.total else 0

    @property
    def valid_count(self):
        return self.new_count + self.updated_count + self.unchanged_count

    def may_download_rejected(self, user):
        """The rejected rows are whole records as uploaded, full ID numbers and phones included:
        for the uploader and those who may change the batch's organization, not for its viewers."""
        from organizations.access import covers  # the one access rule

        if not getattr(user, "is_authenticated", False):
            return False
        return self.uploaded_by_id == user.pk or covers(user, self.organization, write=True)


class ColumnMapping(models.Model):
    """How a user mapped the columns of a header row, offered again for the next file with the
    same header row imported into the same organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64)  # sha256 of the normalised header row
    mapping = models.JSONField(default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _lazy("花名册列对应")
        verbose_name_plural = _lazy("花名册列对应")
        constraints = [models.UniqueConstraint(fields=["organization", "signature"], name="unique_column_mapping")]

    def __str__(self):
        return f"{self.organization}：{len(self.mapping)}列"

    @staticmethod
    def key(header_signature):
        return hashlib.sha256(header_signature.encode()).hexdigest()

    @classmethod
    def remembered(cls, organization, header_signature):
        found = cls.objects.filter(organization=organization, signature=cls.key(header_signature)).first()
        return found.mapping if found else None

    @classmethod
    def remember(cls, organization, header_signature, mapping, user):
        cls.objects.update_or_create(
            organization=organization,
            signature=cls.key(header_signature),
            defaults={"mapping": mapping, "updated_by": user},
        )
