"""Service to residents: one participation ledger and what hangs off it.

``ServiceEntry`` is the ledger. Every figure of this app — hours per member or community, person-
times, active members, the in-service members' yearly hours, the feedback letter — is a query over
it, never a counter kept beside it. Entries are append-only: a mistake is put right by a correction
entry (see ``ServiceEntry``), never by editing or deleting a row.

Around it: service teams and their members, activities (what was done, where, by whom, with the
hours each participant is credited), in-service members' registrations in their home community
(双报到) with the yearly target and the feedback letters to their employers, care visits and the
visits falling due, pairings with households in need, and resident units with their co-building
agreements.
"""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from members.models import Member, MemberChange, Standing
from organizations.access import covers, holds_role
from organizations.models import Organization, Role
from portal.models import AppendOnly

MINUTES_PER_DAY = 24 * 60


def check_choices(values, choices, field, errors):
    """A multi-choice field kept as a JSON list: a list of known values, no repeats."""
    known = {value for value, _label in choices}
    if not isinstance(values, list) or any(value not in known for value in values):
        errors[field] = _("请从列表中选择。")
        return values
    return list(dict.fromkeys(values))


def choice_labels(values, choices):
    labels = dict(choices)
    return "、".join(str(labels.get(value, value)) for value in values or [])


def community_path(organization):
    """The path of the community ``organization`` is in (itself for a community or a street)."""
    return organization.path[: Organization.steplen * 2]


def _not_in_future(day, field, label, errors):
    if day and day > datetime.date.today():
        errors[field] = _("%(label)s不能晚于今天。") % {"label": label}


def _not_before(later, earlier, field, message, errors):
    if later and earlier and later < earlier:
        errors.setdefault(field, message)


# -- service teams --------------------------------------------------------------------------------


class ServiceTeam(models.Model):
    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _lazy("党员志愿服务队")
        YIGONG = "yigong", _lazy("党员义工队")
        CONVENIENCE = "convenience", _lazy("便民服务队")
        PATROL = "patrol", _lazy("平安巡逻队")
        ENVIRONMENT = "environment", _lazy("环境保护队")
        PUBLICITY = "publicity", _lazy("文明宣传队")
        OTHER = "other", _lazy("其他服务队")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="service_teams", verbose_name=_lazy("所属组织")
    )
    name = models.CharField(_lazy("队名"), max_length=100)
    kind = models.CharField(_lazy("类型"), max_length=16, choices=Kind.choices, default=Kind.VOLUNTEER)
    leader = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_lazy("队长")
    )
    founded_on = models.DateField(_lazy("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_lazy("解散日期"), null=True, blank=True)
    description = models.TextField(_lazy("简介"), blank=True)
    created_at = models.DateTimeField(_lazy("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _lazy("服务队")
        verbose_name_plural = _lazy("服务队")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "dissolved_on"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        self.name = " ".join((self.name or "").split())
        if not self.name:
            errors["name"] = _("请填写队名。")
        _not_in_future(self.founded_on, "founded_on", _("成立日期"), errors)
        _not_in_future(self.dissolved_on, "dissolved_on", _("解散日期"), errors)
        _not_before(self.dissolved_on, self.founded_on, "dissolved_on", _("解散日期不能早于成立日期。"), errors)
        if errors:
            raise ValidationError(errors)

    def current_members(self, on=None):
        """Members in the team on ``on`` (today by default)."""
        on = on or datetime.date.today()
        return Member.objects.filter(
            pk__in=self.memberships.filter(Q(joined_on__lte=on), Q(left_on__isnull=True) | Q(left_on__gt=on)).values(
                "member"
            )
        )


class TeamMembership(models.Model):
    team = models.ForeignKey(
        ServiceTeam, on_delete=models.CASCADE, related_name="memberships", verbose_name=_lazy("服务队")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="team_memberships", verbose_name=_lazy("队员")
    )
    joined_on = models.DateField(_lazy("加入日期"), default=datetime.date.today)
    left_on = models.DateField(_lazy("退出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _lazy("服务队队员")
        verbose_name_plural = _lazy("服务队队员")
        ordering = ["joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "member"], condition=Q(left_on__isnull=True), name="unique_current_team_member"
            ),
        ]

    def __str__(self):
        return f"{self.team} · {self.member}"

    def clean(self):
        errors = {}
        _not_in_future(self.joined_on, "joined_on", _("加入日期"), errors)
        _not_before(self.left_on, self.joined_on, "left_on", _("退出日期不能早于加入日期。"), errors)
        if self.team_id and self.member_id and self.left_on is None:
            others = TeamMembership.objects.filter(team_id=self.team_id, member_id=self.member_id, left_on__isnull=True)
            if others.exclude(pk=self.pk).exists():
                errors.setdefault("member", _("该党员已在本服务队中。"))
        if errors:
            raise ValidationError(errors)


# -- resident units and co-building ---------------------------------------------------------------


class ResidentUnit(models.Model):
    """A unit based in the community (驻区单位): what it offers and what it asks for."""

    # A landline with its area code, an extension (转), or a mobile: the page, the admin and the import.
    PHONE = re.compile(r"^[0-9+()（）\- 转]{5,20}$")

    class Offer(models.TextChoices):
        HALL = "hall", _lazy("活动场所")
        SPORTS = "sports", _lazy("运动场地")
        MEETING_ROOM = "meeting_room", _lazy("会议室")
        FUNDS = "funds", _lazy("资金")
        VOLUNTEERS = "volunteers", _lazy("志愿者")
        EXPERTISE = "expertise", _lazy("专业服务")
        OTHER = "other", _lazy("其他")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="resident_units", verbose_name=_lazy("所在社区")
    )
    name = models.CharField(_lazy("单位名称"), max_length=200)
    contact_name = models.CharField(_lazy("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_lazy("联系电话"), max_length=20, blank=True)
    party_organization = models.CharField(_lazy("单位党组织"), max_length=200, blank=True)
    offers = models.JSONField(_lazy("可提供资源"), default=list, blank=True)  # [Offer]
    offers_note = models.CharField(_lazy("资源说明"), max_length=500, blank=True)
    asks = models.TextField(_lazy("需求"), blank=True)
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _lazy("驻区单位")
        verbose_name_plural = _lazy("驻区单位")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "name"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        self.name = " ".join((self.name or "").split())
        if not self.name:
            errors["name"] = _("请填写单位名称。")
        self.offers = check_choices(self.offers, self.Offer.choices, "offers", errors)
        self.contact_phone = " ".join((self.contact_phone or "").split())
        if self.contact_phone and not self.PHONE.match(self.contact_phone):
            errors["contact_phone"] = _("请填写正确的联系电话，如 0591-22223333 或 13812345678。")
        if errors:
            raise ValidationError(errors)

    def get_offers_display(self):
        return choice_labels(self.offers, self.Offer.choices)


class CoBuildingAgreement(models.Model):
    """A co-building agreement (共建协议); the projects done together are activities pointing to it."""

    unit = models.ForeignKey(
        ResidentUnit, on_delete=models.PROTECT, related_name="agreements", verbose_name=_lazy("驻区单位")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="co_building_agreements", verbose_name=_lazy("签约组织")
    )
    title = models.CharField(_lazy("协议名称"), max_length=200)
    starts_on = models.DateField(_lazy("开始日期"))
    ends_on = models.DateField(_lazy("结束日期"), null=True, blank=True)
    content = models.TextField(_lazy("共建内容"), blank=True)
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    # Moves the home page's cached attention counts when an end date changes (services/portal_parts.py).
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)  # read by the data version

    class Meta:
        verbose_name = _lazy("共建协议")
        verbose_name_plural = _lazy("共建协议")
        ordering = ["-starts_on", "-id"]
        indexes = [models.Index(fields=["organization", "ends_on"])]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        self.title = " ".join((self.title or "").split())
        if not self.title:
            errors["title"] = _("请填写协议名称。")
        _not_before(self.ends_on, self.starts_on, "ends_on", _("结束日期不能早于开始日期。"), errors)
        if errors:
            raise ValidationError(errors)

    def in_force(self, on=None):
        on = on or datetime.date.today()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


# -- activities -----------------------------------------------------------------------------------


class Activity(models.Model):
    """A service activity; its participants are the ledger entries pointing to it."""

    class Kind(models.TextChoices):
        VOLUNTEER = "volunteer", _lazy("志愿服务")
        CONVENIENCE = "convenience", _lazy("便民服务")
        PUBLICITY = "publicity", _lazy("宣传教育")
        PATROL = "patrol", _lazy("治安巡逻")
        ENVIRONMENT = "environment", _lazy("环境整治")
        FESTIVAL = "festival", _lazy("节日活动")
        OTHER = "other", _lazy("其他")

    class ConvenienceKind(models.TextChoices):
        FREE_CLINIC = "free_clinic", _lazy("义诊")
        MEDICAL_ADVICE = "medical_advice", _lazy("医疗咨询")
        APPLIANCE_REPAIR = "appliance_repair", _lazy("家电维修")
        HAIRCUT = "haircut", _lazy("理发")
        TAILORING = "tailoring", _lazy("缝补")
        LEGAL_ADVICE = "legal_advice", _lazy("法律咨询")
        OTHER = "other", _lazy("其他便民服务")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="service_activities", verbose_name=_lazy("组织单位")
    )
    team = models.ForeignKey(
        ServiceTeam,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_lazy("服务队"),
    )
    title = models.CharField(_lazy("活动名称"), max_length=200)
    kind = models.CharField(_lazy("活动类型"), max_length=16, choices=Kind.choices, default=Kind.VOLUNTEER)
    convenience_kind = models.CharField(
        _lazy("便民服务项目"), max_length=20, choices=ConvenienceKind.choices, blank=True
    )
    starts_at = models.DateTimeField(_lazy("开始时间"))
    ends_at = models.DateTimeField(_lazy("结束时间"), null=True, blank=True)
    place = models.CharField(_lazy("地点"), max_length=200, blank=True)
    credited_minutes = models.PositiveIntegerField(_lazy("每人计服务时长（分钟）"), default=120)
    beneficiaries = models.PositiveIntegerField(_lazy("服务群众（人次）"), default=0)
    description = models.TextField(_lazy("活动内容"), blank=True)
    agreement = models.ForeignKey(
        CoBuildingAgreement,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_lazy("共建协议"),
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
        verbose_name = _lazy("服务活动")
        verbose_name_plural = _lazy("服务活动")
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "starts_at"]),
            models.Index(fields=["kind", "starts_at"]),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.title}" if self.starts_at else self.title

    @property
    def day(self):
        return timezone.localtime(self.starts_at).date()

    @property
    def credited_hours(self):
        return minutes_to_hours(self.credited_minutes)

    def clean(self):
        errors = {}
        self.title = " ".join((self.title or "").split())
        if not self.title:
            errors["title"] = _("请填写活动名称。")
        if self.kind == self.Kind.CONVENIENCE and not self.convenience_kind:
            errors["convenience_kind"] = _("便民服务请选择服务项目。")
        if self.kind != self.Kind.CONVENIENCE:
            self.convenience_kind = ""
        if self.starts_at and self.starts_at.date() > datetime.date.today() + datetime.timedelta(days=366):
            errors["starts_at"] = _("开始时间不能晚于一年以后。")
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            errors["ends_at"] = _("结束时间不能早于开始时间。")
        if self.credited_minutes is not None and self.credited_minutes > MINUTES_PER_DAY:
            errors["credited_minutes"] = _("每人服务时长不能超过24小时。")
        if (
            self.organization_id
            and self.team_id
            and community_path(self.team.organization) != community_path(self.organization)
        ):
            errors["team"] = _("服务队不属于本社区。")
        # One rule for the page, the admin and the import: another community's agreement would list
        # this activity among its projects to that community.
        if (
            self.organization_id
            and self.agreement_id
            and community_path(self.agreement.organization) != community_path(self.organization)
        ):
            errors["agreement"] = _("共建协议不属于本社区。")
        if errors:
            raise ValidationError(errors)


def minutes_to_hours(minutes):
    """Minutes as hours with one decimal (90 → 1.5), for pages and letters."""
    return (Decimal(minutes or 0) / 60).quantize(Decimal("0.1"))


# -- the participation ledger ---------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What a slice of the ledger adds up to."""

    minutes: int = 0
    person_times: int = 0  # entries (a member serving once) that still stand, corrections netted
    members: int = 0  # members with service that still stands

    @property
    def hours(self):
        return minutes_to_hours(self.minutes)


def _root():
    """The original entry an entry belongs to: itself, or the one it corrects."""
    return Coalesce("corrects_id", "id")


class ServiceEntryQuerySet(models.QuerySet):
    """Queries over the ledger. Two dates matter and are never mixed up:

    - ``served_on`` places an entry in a period (``period``/``served_between``): the service of
      2024 is what was served in 2024, whenever it was written down;
    - ``recorded_at`` says what the ledger held on a day (``as_of``): the figures "as of 31 Dec
      2024" are the entries recorded by the end of that day (local time), so a correction made in
      January 2025 changes the 2024 figures from January on, and the figures as of 31 Dec 2024
      stay what they were that evening.

    A correction repeats its original's member, organization, activity and service day, so every
    filter here keeps an original and its corrections together and the sums net out.
    """

    def served_between(self, start, end):
        return self.filter(served_on__range=(start, end))

    def as_of(self, day):
        """Entries recorded on or before ``day`` (local time): the ledger as it stood that evening."""
        if day is None:
            return self
        midnight = timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))
        return self.filter(recorded_at__lt=midnight)

    recorded_by_end_of = as_of

    def period(self, start, end, as_of=None):
        """Served ``start``..``end``, as the ledger stood at the end of ``as_of`` (None: now)."""
        return self.served_between(start, end).as_of(as_of)

    def under(self, organization):
        """Served in ``organization`` or below it, whoever served and wherever they are now."""
        return self.filter(organization__in=Organization.objects.under(organization).values("pk"))

    def originals(self):
        return self.filter(corrects__isnull=True)

    # -- figures ------------------------------------------------------------------------------

    def total_minutes(self):
        return self.aggregate(total=Sum("minutes"))["total"] or 0

    def minutes_by(self, field):
        """{``field`` value: net minutes} for the values whose net minutes are not zero."""
        rows = self.order_by().values(field).annotate(net=Sum("minutes")).exclude(net=0)
        return {row[field]: row["net"] for row in rows}

    def minutes_by_member(self):
        return self.minutes_by("member")

    def net_by_original(self, field):
        """(``field`` value, net minutes) of each original entry, its corrections included: for a
        bounded set (one page of activities), not for a district's year."""
        rows = self.order_by().values(field, root=_root()).annotate(net=Sum("minutes"))
        return [(row[field], row["net"]) for row in rows]

    def person_times(self):
        """Entries that still stand (an original whose net, corrections included, is above zero)."""
        return self.order_by().values(root=_root()).annotate(net=Sum("minutes")).filter(net__gt=0).count()

    def active_members(self):
        return self.order_by().values("member").annotate(net=Sum("minutes")).filter(net__gt=0).count()

    def figures(self):
        return Figures(self.total_minutes(), self.person_times(), self.active_members())

    def subtree_figures(self, nodes):
        """{node id: Figures} over each node's whole subtree, in four queries whatever the number of
        nodes or entries: sums by organization rolled up the paths, distinct members counted in SQL,
        and the few corrected entries looked at one by one."""
        entries = self.order_by()
        steplen = Organization.steplen
        minutes, originals = defaultdict(int), defaultdict(int)
        rows = entries.values("organization__path").annotate(
            net=Sum("minutes"), originals=Count("id", filter=Q(corrects__isnull=True))
        )
        for row in rows:
            path = row["organization__path"]
            for end in range(steplen, len(path) + 1, steplen):
                minutes[path[:end]] += row["net"]
                originals[path[:end]] += row["originals"]
        nodes = list(nodes)
        in_node = {node.pk: Q(organization__path__startswith=node.path) for node in nodes}
        served = (
            entries.originals().aggregate(
                **{f"n{pk}": Count("member", distinct=True, filter=condition) for pk, condition in in_node.items()}
            )
            if nodes
            else {}
        )
        # Corrections are rare: the originals they bring to zero, and the members left with nothing.
        corrected = entries.filter(
            Q(corrects__in=entries.filter(corrects__isnull=False).values("corrects"))
            | Q(pk__in=entries.filter(corrects__isnull=False).values("corrects"))
        ).values_list("organization__path", "member", _root(), "minutes")
        net_of_root, net_of_member = defaultdict(int), defaultdict(int)
        for path, member, root, value in corrected:
            net_of_root[path, member, root] += value
        members_with_corrections = {member for _path, member, _root_id in net_of_root}
        if members_with_corrections:
            for path, member, value in entries.filter(member__in=members_with_corrections).values_list(
                "organization__path", "member", "minutes"
            ):
                net_of_member[path, member] += value
        figures = {}
        for node in nodes:
            gone = sum(1 for (path, _m, _r), value in net_of_root.items() if path.startswith(node.path) and value <= 0)
            per_member = defaultdict(int)
            for (path, member), value in net_of_member.items():
                if path.startswith(node.path):
                    per_member[member] += value
            idle = sum(1 for value in per_member.values() if value <= 0)
            figures[node.pk] = Figures(
                minutes[node.path], originals[node.path] - gone, served.get(f"n{node.pk}", 0) - idle
            )
        return figures


class ServiceEntry(AppendOnly, models.Model):
    """One piece of service a member gave: the participation ledger. Append-only.

    **Corrections.** A mistake is corrected by a new entry whose ``corrects`` points to the original
    entry (never to another correction) and whose ``minutes`` is the *signed difference*: the
    original said 120 and the right figure is 90 → a correction of −30; the member was not there at
    all → a correction of −120 (a full reversal). A correction repeats the original's member,
    organization, activity and ``served_on`` (``ServiceEntry.correction`` builds it), so any sum of
    ``minutes`` over any filter nets out by itself, and it counts from the day it is *recorded*: the
    ledger "as of" an earlier day still shows the uncorrected figure.

    **Where.** ``organization`` is where the service was given (the activity's organizer, or the
    community chosen when entered by hand): the hours stay there when the member later moves.
    """

    unchangeable = _lazy("服务记录不可修改；如有错误，请登记一条更正。")
    undeletable = _lazy("服务记录不可删除；如有错误，请登记一条更正。")

    class Source(models.TextChoices):
        SIGN_IN = "sign_in", _lazy("签到表")
        ACTIVITY = "activity", _lazy("活动定额")
        MANUAL = "manual", _lazy("手工录入")
        IMPORTED = "imported", _lazy("导入")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="service_entries", verbose_name=_lazy("党员")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="service_entries", verbose_name=_lazy("服务地")
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_lazy("服务活动"),
    )
    served_on = models.DateField(_lazy("服务日期"))
    minutes = models.IntegerField(_lazy("服务时长（分钟）"))
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_lazy("更正的记录"),
    )
    source = models.CharField(_lazy("来源"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("记录人"),
    )
    recorded_at = models.DateTimeField(_lazy("记录时间"), default=timezone.now)
    note = models.CharField(_lazy("说明"), max_length=500, blank=True)

    objects = ServiceEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _lazy("服务记录")
        verbose_name_plural = _lazy("服务记录")
        ordering = ["-served_on", "-id"]
        constraints = [
            # One original entry per member and activity; changing it later is a correction.
            models.UniqueConstraint(
                fields=["member", "activity"],
                condition=Q(corrects__isnull=True, activity__isnull=False),
                name="unique_activity_participant",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "served_on"]),
            models.Index(fields=["member", "served_on"]),
            models.Index(fields=["served_on", "recorded_at"]),
        ]

    def __str__(self):
        return f"{self.served_on} {self.member} {self.minutes}分钟"

    @property
    def hours(self):
        return minutes_to_hours(self.minutes)

    def correction(self, minutes, *, user=None, note="", source=None):
        """An unsaved correction entry bringing this entry's net minutes to ``minutes`` (0 = reversal)."""
        original = self.corrects or self
        return ServiceEntry(
            member_id=original.member_id,
            organization_id=original.organization_id,
            activity_id=original.activity_id,
            served_on=original.served_on,
            minutes=minutes - original.net_minutes(),
            corrects=original,
            source=source or original.source,
            recorded_by=user,
            note=note,
        )

    def net_minutes(self):
        """This original entry's minutes with every correction recorded so far."""
        original = self.corrects or self
        return original.minutes + sum(original.corrections.values_list("minutes", flat=True))

    def clean(self):
        errors = {}
        if self.served_on and self.served_on > datetime.date.today():
            errors["served_on"] = _("服务日期不能晚于今天。")
        if self.minutes is None:
            errors["minutes"] = _("请填写服务时长。")
        elif self.corrects_id is None:
            if self.minutes < 0:
                errors["minutes"] = _("服务时长不能为负数。")
            elif self.minutes == 0:
                errors["minutes"] = _("服务时长应大于0。")
            elif self.minutes > MINUTES_PER_DAY:
                errors["minutes"] = _("一人一天的服务时长不能超过24小时。")
        else:
            original = self.corrects
            if original.corrects_id is not None:
                errors["corrects"] = _("只能更正原始记录，不能更正“更正”记录。")
            same = (original.member_id, original.organization_id, original.activity_id, original.served_on)
            if same != (self.member_id, self.organization_id, self.activity_id, self.served_on):
                errors["corrects"] = _("更正记录的党员、服务地、活动和日期须与原记录一致。")
            net = original.net_minutes() + self.minutes
            if net < 0:
                errors["minutes"] = _("更正后的服务时长不能为负数。")
            elif net > MINUTES_PER_DAY:
                errors["minutes"] = _("一人一天的服务时长不能超过24小时。")
        if not errors and self.member_id and self.served_on and self.minutes:
            day_total = (
                ServiceEntry.objects.filter(member_id=self.member_id, served_on=self.served_on).aggregate(
                    total=models.Sum("minutes")
                )["total"]
                or 0
            )
            if day_total + self.minutes > MINUTES_PER_DAY:
                errors["minutes"] = _("该党员%(day)s已记%(hours)s小时，加上本次将超过一天24小时。") % {
                    "day": self.served_on,
                    "hours": minutes_to_hours(day_total),
                }
        if self.activity_id and self.corrects_id is None and self.member_id:
            taken = ServiceEntry.objects.originals().filter(activity_id=self.activity_id, member_id=self.member_id)
            if taken.exclude(pk=self.pk).exists():
                errors.setdefault("member", _("该党员已登记参加本次活动；如需修改时长，请登记更正。"))
        if errors:
            raise ValidationError(errors)


# -- in-service members (双报到) -------------------------------------------------------------------


class InServiceRegistrationQuerySet(models.QuerySet):
    def active_on(self, day):
        """Registered on or before ``day`` and not ended before it (``InServiceRegistration.active_on``)."""
        return self.filter(Q(registered_on__lte=day), Q(ended_on__isnull=True) | Q(ended_on__gte=day))

    def under(self, organization):
        return self.filter(organization__in=Organization.objects.under(organization).values("pk"))


class InServiceRegistration(models.Model):
    """An in-service member registered with their home community (在职党员到社区报到)."""

    class Post(models.TextChoices):
        ENVIRONMENT = "environment", _lazy("环境卫生")
        SAFETY = "safety", _lazy("平安建设")
        ELDERLY_CARE = "elderly_care", _lazy("关爱老人")
        PUBLICITY = "publicity", _lazy("政策宣传")
        YOUTH = "youth", _lazy("青少年教育")
        CULTURE = "culture", _lazy("文化体育")
        MEDIATION = "mediation", _lazy("矛盾调解")
        EXPERTISE = "expertise", _lazy("专业服务")
        OTHER = "other", _lazy("其他")

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="in_service_registrations", verbose_name=_lazy("党员")
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="in_service_registrations", verbose_name=_lazy("报到社区")
    )
    registered_on = models.DateField(_lazy("报到日期"), default=datetime.date.today)
    employer = models.CharField(_lazy("工作单位"), max_length=200, blank=True)
    employer_party_organization = models.CharField(_lazy("单位党组织"), max_length=200, blank=True)
    posts = models.JSONField(_lazy("认领岗位"), default=list, blank=True)  # [Post]
    ended_on = models.DateField(_lazy("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_lazy("结束原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("登记人"),
    )
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    # Tells the home page's cached attention counts that a registration changed (ended, for one).
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    objects = InServiceRegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _lazy("在职党员报到")
        verbose_name_plural = _lazy("在职党员报到")
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "organization"],
                condition=Q(ended_on__isnull=True),
                name="unique_active_in_service_registration",
            ),
        ]
        indexes = [models.Index(fields=["organization", "ended_on"])]

    def __str__(self):
        return f"{self.member} → {self.organization}"

    def clean(self):
        errors = {}
        _not_in_future(self.registered_on, "registered_on", _("报到日期"), errors)
        _not_before(self.ended_on, self.registered_on, "ended_on", _("结束日期不能早于报到日期。"), errors)
        if self.ended_on and not self.end_reason.strip():
            errors["end_reason"] = _("请填写结束原因。")
        self.posts = check_choices(self.posts, self.Post.choices, "posts", errors)
        if self.organization_id and self.organization.kind != Organization.Kind.COMMUNITY:
            errors["organization"] = _("请选择报到的社区党组织。")
        if self.member_id and self.organization_id and self.ended_on is None:
            duplicate = InServiceRegistration.objects.filter(
                member_id=self.member_id, organization_id=self.organization_id, ended_on__isnull=True
            ).exclude(pk=self.pk)
            if duplicate.exists():
                errors["member"] = _("该党员已在本社区报到（%(day)s），不能重复报到。") % {
                    "day": duplicate.first().registered_on
                }
        if errors:
            raise ValidationError(errors)

    def get_posts_display(self):
        return choice_labels(self.posts, self.Post.choices)

    def active_on(self, day):
        return self.registered_on <= day and (self.ended_on is None or self.ended_on >= day)


class ServiceTarget(models.Model):
    """The yearly service expected of an in-service member, set by the street committee as data.

    The target in force for a year under an organization is the one with the latest
    ``effective_year`` not after that year, set on the organization or one of its ancestors (a
    deeper organization's target wins over its ancestor's of the same year)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="service_targets", verbose_name=_lazy("适用组织")
    )
    effective_year = models.PositiveSmallIntegerField(_lazy("起始年度"))
    hours_target = models.DecimalField(
        _lazy("每年服务时长目标（小时）"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    activities_target = models.PositiveSmallIntegerField(_lazy("每年参加活动次数目标"), null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("设定人"),
    )
    set_at = models.DateTimeField(_lazy("设定时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _lazy("在职党员服务目标")
        verbose_name_plural = _lazy("在职党员服务目标")
        ordering = ["-effective_year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "effective_year"], name="unique_service_target_year"),
        ]

    def __str__(self):
        return f"{self.organization} {self.effective_year}年起"

    def clean(self):
        errors = {}
        if self.hours_target is None and self.activities_target is None:
            errors["hours_target"] = _("请至少填写服务时长目标或活动次数目标。")
        if self.hours_target is not None and self.hours_target < 0:
            errors["hours_target"] = _("服务时长目标不能为负数。")
        if self.effective_year is not None and not 2000 <= self.effective_year <= 2100:
            errors["effective_year"] = _("请填写正确的年度。")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def in_force(cls, organization, year):
        """The target in force in ``year`` for ``organization`` (None when none was set)."""
        steplen = Organization.steplen
        ancestors = [organization.path[:end] for end in range(steplen, len(organization.path) + 1, steplen)]
        return (
            cls.objects.filter(organization__path__in=ancestors, effective_year__lte=year)
            .order_by("-effective_year", "-organization__depth")
            .first()
        )

    @classmethod
    def in_force_for(cls, organizations, year):
        """{organization id: the target in force in ``year`` (or None)} for many organizations at
        once, by the same rule as ``in_force``, in one query (targets are a short list)."""
        steplen = Organization.steplen
        organizations = list(organizations)
        ancestors = {org.path[:end] for org in organizations for end in range(steplen, len(org.path) + 1, steplen)}
        targets = list(
            cls.objects.filter(organization__path__in=ancestors, effective_year__lte=year)
            .select_related("organization", "set_by")
            .order_by("-effective_year", "-organization__depth", "-id")
        )
        return {
            org.pk: next((target for target in targets if org.path.startswith(target.organization.path)), None)
            for org in organizations
        }

    @classmethod
    def in_force_by_year(cls, organization, years):
        """{year: the target in force that year for ``organization`` (or None)}, in one query."""
        steplen = Organization.steplen
        ancestors = [organization.path[:end] for end in range(steplen, len(organization.path) + 1, steplen)]
        targets = list(
            cls.objects.filter(organization__path__in=ancestors, effective_year__lte=max(years))
            .select_related("organization", "set_by")
            .order_by("-effective_year", "-organization__depth", "-id")
        )
        return {year: next((t for t in targets if t.effective_year <= year), None) for year in years}

    @property
    def minutes_target(self):
        return None if self.hours_target is None else int(self.hours_target * 60)


class FeedbackLetter(models.Model):
    """An annual feedback letter to an in-service member's employer (在职党员社区表现反馈), as issued:
    the figures are the ones printed on it, kept as printed."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="feedback_letters", verbose_name=_lazy("出具组织")
    )
    registration = models.ForeignKey(
        InServiceRegistration, on_delete=models.PROTECT, related_name="letters", verbose_name=_lazy("报到登记")
    )
    year = models.PositiveSmallIntegerField(_lazy("年度"))
    number = models.PositiveIntegerField(_lazy("编号"))
    issued_on = models.DateField(_lazy("出具日期"), default=datetime.date.today)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("出具人"),
    )
    assessment = models.TextField(_lazy("社区评价"), blank=True)
    minutes = models.IntegerField(_lazy("服务时长（分钟，出具时）"), default=0)
    activities = models.PositiveIntegerField(_lazy("参加活动次数（出具时）"), default=0)
    created_at = models.DateTimeField(_lazy("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _lazy("在职党员表现反馈函")
        verbose_name_plural = _lazy("在职党员表现反馈函")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year", "number"], name="unique_feedback_letter_number"),
        ]

    def __str__(self):
        return _("%(year)s年第%(number)s号") % {"year": self.year, "number": self.number}

    @property
    def hours(self):
        return minutes_to_hours(self.minutes)

    def clean(self):
        errors = {}
        _not_in_future(self.issued_on, "issued_on", _("出具日期"), errors)
        if self.organization_id and self.year and self.number:
            taken = FeedbackLetter.objects.filter(
                organization_id=self.organization_id, year=self.year, number=self.number
            )
            if taken.exclude(pk=self.pk).exists():
                errors["number"] = _("%(year)s年第%(number)s号已出具，请换一个编号。") % {
                    "year": self.year,
                    "number": self.number,
                }
        if errors:
            raise ValidationError(errors)


# -- households, pairings, care visits ------------------------------------------------------------


class Household(models.Model):
    """A household in need that the member register does not hold."""

    class Kind(models.TextChoices):
        ELDERLY_ALONE = "elderly_alone", _lazy("独居老人")
        CHILDREN = "children", _lazy("困境儿童")
        DISABLED = "disabled", _lazy("残疾人")
        POOR = "poor", _lazy("贫困户")
        LOW_INCOME = "low_income", _lazy("低保户")
        ENTITLED = "entitled", _lazy("优抚对象")
        OTHER = "other", _lazy("其他困难")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="households", verbose_name=_lazy("所在社区")
    )
    name = models.CharField(_lazy("户主姓名"), max_length=50)
    address = models.CharField(_lazy("住址"), max_length=200, blank=True)
    phone = models.CharField(_lazy("联系电话"), max_length=20, blank=True)
    kinds = models.JSONField(_lazy("困难类型"), default=list, blank=True)  # [Kind]
    notes = models.TextField(_lazy("备注"), blank=True)
    closed_on = models.DateField(
        _lazy("不再列为帮扶对象日期"),
        null=True,
        blank=True,
        help_text=_lazy("如已搬离、已脱困或户主去世，填写日期后不再提示“无人结对”。"),
    )
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _lazy("困难家庭")
        verbose_name_plural = _lazy("困难家庭")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "name"])]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        self.name = " ".join((self.name or "").split())
        if not self.name:
            errors["name"] = _("请填写户主姓名。")
        self.kinds = check_choices(self.kinds, self.Kind.choices, "kinds", errors)
        if "kinds" not in errors and not self.kinds:
            errors["kinds"] = _("请至少选择一种困难类型。")
        _not_in_future(self.closed_on, "closed_on", _("不再列为帮扶对象日期"), errors)
        if errors:
            raise ValidationError(errors)

    def get_kinds_display(self):
        return choice_labels(self.kinds, self.Kind.choices)


class PairingQuerySet(models.QuerySet):
    def current(self, day=None):
        """Pairings in force on ``day`` (today by default): started, and not ended before it."""
        day = day or datetime.date.today()
        return self.filter(Q(started_on__lte=day), Q(ended_on__isnull=True) | Q(ended_on__gte=day))

    def with_helper_on_register(self):
        """Pairings whose helper is still on the register (a helper who died or left helps no one)."""
        return self.filter(member__standing=Standing.ACTIVE)


class Pairing(models.Model):
    """A member paired with a household in need (结对帮扶); visits are logged against it.

    In force from ``started_on`` to ``ended_on`` inclusive. It is behind its agreed frequency when no
    visit has been logged against it within ``frequency_days`` of the last one (or of the start)."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="pairings", verbose_name=_lazy("帮扶党员")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="pairings", verbose_name=_lazy("帮扶对象")
    )
    started_on = models.DateField(_lazy("开始日期"), default=datetime.date.today)
    ended_on = models.DateField(_lazy("结束日期"), null=True, blank=True)
    frequency_days = models.PositiveSmallIntegerField(
        _lazy("约定联系周期（天）"), default=60, help_text=_lazy("例如每两个月走访一次填60。")
    )
    end_reason = models.CharField(_lazy("结束原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_lazy("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _lazy("结对帮扶")
        verbose_name_plural = _lazy("结对帮扶")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "household"], condition=Q(ended_on__isnull=True), name="unique_current_pairing"
            ),
        ]
        indexes = [models.Index(fields=["household", "ended_on"]), models.Index(fields=["member", "ended_on"])]

    def __str__(self):
        return f"{self.member} — {self.household}"

    def clean(self):
        errors = {}
        _not_before(self.ended_on, self.started_on, "ended_on", _("结束日期不能早于开始日期。"), errors)
        if self.ended_on and not self.end_reason.strip():
            errors.setdefault("end_reason", _("请填写结束原因。"))
        if self.frequency_days is not None and not 1 <= self.frequency_days <= 366:
            errors["frequency_days"] = _("联系周期应在1到366天之间。")
        if self.member_id and self.household_id and self.ended_on is None:
            others = Pairing.objects.filter(
                member_id=self.member_id, household_id=self.household_id, ended_on__isnull=True
            )
            if others.exclude(pk=self.pk).exists():
                errors.setdefault("household", _("该党员已与这户结对。"))
        if errors:
            raise ValidationError(errors)

    def in_force(self, on=None):
        on = on or datetime.date.today()
        return self.started_on <= on and (self.ended_on is None or self.ended_on >= on)


class CareVisit(models.Model):
    """A care visit (走访慰问) to a member or to a household the register does not hold."""

    class Reason(models.TextChoices):
        ILL = "ill", _lazy("生病住院")
        DISCONTENTED = "discontented", _lazy("有不满情绪")
        HARDSHIP = "hardship", _lazy("家庭困难")
        DEATH = "death", _lazy("党员去世")
        FESTIVAL = "festival", _lazy("节日慰问")
        OTHER = "other", _lazy("其他")

    MUST_VISITS = (Reason.ILL, Reason.DISCONTENTED, Reason.HARDSHIP, Reason.DEATH)  # 四必访

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="care_visits", verbose_name=_lazy("走访组织")
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="care_visits",
        verbose_name=_lazy("走访党员"),
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_lazy("走访家庭"),
    )
    reason = models.CharField(_lazy("走访原因"), max_length=16, choices=Reason.choices)
    visited_on = models.DateField(_lazy("走访日期"), default=datetime.date.today)
    visitors = models.ManyToManyField(Member, blank=True, related_name="visits_made", verbose_name=_lazy("走访人"))
    visitor_names = models.CharField(_lazy("其他走访人"), max_length=200, blank=True)
    goods = models.CharField(_lazy("慰问物品"), max_length=200, blank=True)
    amount = models.DecimalField(_lazy("慰问金（元）"), max_digits=10, decimal_places=2, default=Decimal("0"))
    notes = models.TextField(_lazy("走访情况"), blank=True)
    sensitive = models.BooleanField(
        _lazy("情况敏感"), default=False, help_text=_lazy("勾选后走访情况仅本社区书记和街道工作人员可见。")
    )
    follow_up_needed = models.BooleanField(_lazy("需要再次走访"), default=False)
    follow_up_due = models.DateField(_lazy("再次走访期限"), null=True, blank=True)
    pairing = models.ForeignKey(
        Pairing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_lazy("结对帮扶"),
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

    # Who may read a note marked sensitive: the community's secretary and the street's staff
    # (a role on the visit's organization or above it); never a branch secretary or a viewer.
    SENSITIVE_NOTES_ROLES = (Role.Kind.STREET_STAFF, Role.Kind.COMMUNITY_SECRETARY)

    class Meta:
        verbose_name = _lazy("走访慰问")
        verbose_name_plural = _lazy("走访慰问")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, household__isnull=True)
                | Q(member__isnull=True, household__isnull=False),
                name="care_visit_member_or_household",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "visited_on"]),
            models.Index(fields=["member", "visited_on"]),
            models.Index(fields=["household", "visited_on"]),
        ]

    def __str__(self):
        return f"{self.visited_on} {self.visited_name} {self.get_reason_display()}"

    @property
    def visited_name(self):
        return str(self.member if self.member_id else self.household)

    @property
    def is_must_visit(self):
        return self.reason in self.MUST_VISITS

    def notes_visible_to(self, user):
        """Whether ``user`` may read this visit's notes — the one rule for every page, print view
        and export (an export of sensitive visits gives counts only). Needs ``organization`` (one
        query per visit unless it is selected with the visit)."""
        if not covers(user, self.organization):
            return False
        return not self.sensitive or holds_role(user, self.organization, self.SENSITIVE_NOTES_ROLES)

    def clean(self):
        errors = {}
        # The objects, not their ids: a household registered with the visit is saved with it.
        if (self.member is None) == (self.household is None):
            errors["member"] = _("请选择走访的党员或困难家庭（二者选一）。")
        if self.pairing_id and not self.household_id:
            errors["pairing"] = _("结对帮扶的走访对象应为结对的困难家庭。")
        elif self.pairing_id and self.visited_on and not self.pairing.in_force(self.visited_on):
            errors["visited_on"] = _("走访日期不在结对帮扶期间（%(start)s至%(end)s）内。") % {
                "start": self.pairing.started_on,
                "end": self.pairing.ended_on or _("今"),
            }
        _not_in_future(self.visited_on, "visited_on", _("走访日期"), errors)
        if self.amount is not None and self.amount < 0:
            errors["amount"] = _("慰问金不能为负数。")
        if self.follow_up_needed and not self.follow_up_due:
            errors["follow_up_due"] = _("需要再次走访时，请填写再次走访期限。")
        if not self.follow_up_needed:
            self.follow_up_due = None
        _not_before(self.follow_up_due, self.visited_on, "follow_up_due", _("再次走访期限不能早于走访日期。"), errors)
        if self.pairing_id and self.household_id and self.pairing.household_id != self.household_id:
            errors["pairing"] = _("结对帮扶与走访家庭不一致。")
        if errors:
            raise ValidationError(errors)


class VisitDueQuerySet(models.QuerySet):
    def open(self):
        """Not yet made and not cancelled."""
        return self.filter(visit__isnull=True, cancelled=False)


class VisitDue(models.Model):
    """A visit that falls due: a must-visit after a member's death, or the follow-up a visit asked
    for. Done when ``visit`` is set; ``cancelled`` when no longer needed."""

    class Source(models.TextChoices):
        DEATH = "death", _lazy("党员逝世")
        FOLLOW_UP = "follow_up", _lazy("再次走访")
        OTHER = "other", _lazy("其他")

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="visits_due", verbose_name=_lazy("负责组织")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, null=True, blank=True, related_name="visits_due", verbose_name=_lazy("党员")
    )
    household = models.ForeignKey(
        Household,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits_due",
        verbose_name=_lazy("困难家庭"),
    )
    reason = models.CharField(_lazy("走访原因"), max_length=16, choices=CareVisit.Reason.choices)
    due_on = models.DateField(_lazy("应走访日期"))
    source = models.CharField(_lazy("来源"), max_length=16, choices=Source.choices)
    change = models.ForeignKey(
        MemberChange,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_lazy("党员变动"),
    )
    follow_up_of = models.ForeignKey(
        CareVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_lazy("上次走访"),
    )
    visit = models.ForeignKey(
        CareVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dues_done",
        verbose_name=_lazy("完成的走访"),
    )
    cancelled = models.BooleanField(_lazy("已取消"), default=False)
    created_at = models.DateTimeField(_lazy("生成时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_lazy("更新时间"), auto_now=True, db_index=True)

    objects = VisitDueQuerySet.as_manager()

    class Meta:
        verbose_name = _lazy("待走访")
        verbose_name_plural = _lazy("待走访")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=False, household__isnull=True)
                | Q(member__isnull=True, household__isnull=False),
                name="visit_due_member_or_household",
            ),
            models.UniqueConstraint(
                fields=["change"], condition=Q(change__isnull=False), name="one_visit_due_per_change"
            ),
            models.UniqueConstraint(
                fields=["follow_up_of"], condition=Q(follow_up_of__isnull=False), name="one_follow_up_per_visit"
            ),
        ]
        indexes = [models.Index(fields=["organization", "due_on"])]

    def __str__(self):
        return f"{self.due_on} {self.member or self.household} {self.get_reason_display()}"

    @property
    def open(self):
        return self.visit_id is None and not self.cancelled

    @property
    def visited_name(self):
        return str(self.member if self.member_id else self.household)

    def clean(self):
        if bool(self.member_id) == bool(self.household_id):
            raise ValidationError({"member": _("请选择走访的党员或困难家庭（二者选一）。")})
