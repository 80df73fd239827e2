import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from members.models import Member
from organizations.access import organizations_for, scoped
from organizations.models import Organization
from portal.forms import BoundedDates, DateInput, DomainErrorsOnFields, QuickSelect, add_domain_errors
from portal.params import pk_or_none
from services.models import (
    Activity,
    CoBuildingAgreement,
    ServiceEntry,
    ServiceTeam,
    TeamMembership,
    minutes_to_hours,
)

ORGANIZER_KINDS = (Organization.Kind.COMMUNITY, Organization.Kind.BRANCH)
CHOICES_CAP = 2000  # a select's options at most; beyond that, the search (or a narrower choice first)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def organizer_choices(user):
    """Communities and branches ``user`` may record activities for (open ones), as select options."""
    orgs = organizations_for(user, write=True).existing().filter(kind__in=ORGANIZER_KINDS)
    return [(org.pk, ("　" * max(org.depth - 2, 0)) + org.name) for org in orgs.only("pk", "name", "depth")]


def community_of(organization):
    return Organization.objects.filter(path=organization.community_path).first() or organization


def hours_field(label, **kwargs):
    return forms.DecimalField(
        label=label,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "24", "inputmode": "decimal"}),
        **kwargs,
    )


class ActivityForm(BoundedDates, DomainErrorsOnFields, forms.ModelForm):
    """An activity's own details (its participants are ledger entries, recorded on the quick-entry screen)."""

    # The model's clean() names the fields it keeps; the form edits them as a day, times and hours.
    model_error_fields = {"starts_at": "day", "ends_at": "end_time", "credited_minutes": "credited_hours"}

    organization = forms.TypedChoiceField(label=_lazy("组织单位"), coerce=int, widget=QuickSelect)
    day = forms.DateField(label=_lazy("活动日期"), widget=DateInput(), initial=datetime.date.today)
    start_time = forms.TimeField(label=_lazy("开始时间"), widget=TimeInput(), initial=datetime.time(9, 0))
    end_time = forms.TimeField(label=_lazy("结束时间"), widget=TimeInput(), required=False)
    credited_hours = hours_field(
        _lazy("每人计服务时长（小时）"), initial=Decimal("2"), help_text=_lazy("录入参加人员时自动填入，可逐人修改。")
    )

    class Meta:
        model = Activity
        fields = ["title", "kind", "convenience_kind", "team", "place", "beneficiaries", "description", "agreement"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    field_order = [
        "title",
        "organization",
        "team",
        "kind",
        "convenience_kind",
        "day",
        "start_time",
        "end_time",
        "place",
        "credited_hours",
        "beneficiaries",
        "description",
        "agreement",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].choices = organizer_choices(user)
        writable = organizations_for(user, write=True)
        self.fields["team"].queryset = ServiceTeam.objects.filter(
            organization__in=writable.values("pk"), dissolved_on__isnull=True
        ).order_by("name")
        self.fields["agreement"].queryset = CoBuildingAgreement.objects.filter(
            organization__in=writable.values("pk")
        ).select_related("unit")
        self.fields["convenience_kind"].help_text = _("活动类型为便民服务时必选。")
        activity = self.instance
        if activity.pk:
            local = timezone.localtime(activity.starts_at)
            self.initial.update(
                organization=activity.organization_id,
                day=local.date(),
                start_time=local.time(),
                end_time=timezone.localtime(activity.ends_at).time() if activity.ends_at else None,
                credited_hours=minutes_to_hours(activity.credited_minutes),
            )
        elif len(self.fields["organization"].choices) == 1:
            self.initial.setdefault("organization", self.fields["organization"].choices[0][0])

    def clean_credited_hours(self):
        return check_hours(self.cleaned_data.get("credited_hours"))

    def clean(self):
        cleaned = super().clean()
        activity = self.instance
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if org is not None:
            activity.organization = org
        day, start = cleaned.get("day"), cleaned.get("start_time")
        if day and start:
            activity.starts_at = timezone.make_aware(datetime.datetime.combine(day, start))
            end = cleaned.get("end_time")
            activity.ends_at = timezone.make_aware(datetime.datetime.combine(day, end)) if end else None
        if cleaned.get("credited_hours") is not None:
            activity.credited_minutes = hours_to_minutes(cleaned["credited_hours"])
        if activity.pk and activity.entries.exists():
            # The entries carry the activity's day and organization: changing them would leave the
            # ledger saying something else.
            before = Activity.objects.get(pk=activity.pk)
            if day and day != before.day:
                self.add_error("day", _("已登记参加人员的活动不能修改日期；如日期有误，请先撤销参加人员的记录。"))
            if org is not None and org.pk != before.organization_id:
                self.add_error("organization", _("已登记参加人员的活动不能更换组织单位。"))
        team = cleaned.get("team")
        if team and org and team.organization.community_path != org.community_path:
            self.add_error("team", _("服务队不属于所选组织单位的社区。"))
        return cleaned


def check_hours(hours):
    if hours is None:
        return hours
    if hours < 0:
        raise ValidationError(_("服务时长不能为负数。"))
    if hours > 24:
        raise ValidationError(_("一人一天的服务时长不能超过24小时。"))
    return hours


def hours_to_minutes(hours):
    return int((Decimal(hours) * 60).to_integral_value())


def parse_hours(text):
    """(minutes, message): the hours typed for one participant, checked."""
    text = (text or "").strip().replace("，", ".").replace(",", ".")
    if not text:
        return None, _("请填写服务时长。")
    try:
        hours = Decimal(text)
    except InvalidOperation:
        return None, _("请填写数字，如 2 或 1.5。")
    if not hours.is_finite():
        return None, _("请填写数字，如 2 或 1.5。")
    try:
        check_hours(hours)
    except ValidationError as error:
        return None, error.messages[0]
    return hours_to_minutes(hours), None


@dataclass
class Participant:
    """One row of the quick-entry screen."""

    member: Member
    hours: str  # as typed (or pre-filled)
    taken: bool = True  # unticked: not there (an existing participant's entry is reversed)
    entry: ServiceEntry | None = None  # the original entry, when already recorded
    net_minutes: int = 0
    error: str = ""
    minutes: int | None = field(default=None, repr=False)
    posted: bool = False  # on the submitted form (rows not on it are left as they are)
    outside: bool = False  # not someone the user may record service for

    @property
    def recorded_hours(self):
        return minutes_to_hours(self.net_minutes) if self.entry else None


class ParticipantsForm:
    """The participants of one activity: who was there and the hours each is credited.

    Saving writes only ledger entries, all in one transaction: an original entry for someone new, a
    correction (the signed difference) for a changed figure, a reversal for someone unticked. A
    participant outside the user's scope, or hours that are negative or beyond a day, refuse the
    whole save with the message next to the row.
    """

    def __init__(self, activity, user, data=None, source=ServiceEntry.Source.ACTIVITY, require_someone=True):
        self.activity, self.user, self.data = activity, user, data
        self.require_someone = require_someone
        self.source = source
        self.errors = []
        self.rows = self._existing()
        if data is not None:
            self._read(data)

    def _existing(self):
        if self.activity.pk is None:
            return []
        originals = self.activity.entries.originals().select_related("member", "member__organization").order_by("id")
        nets = self.activity.entries.minutes_by("corrects")
        rows = []
        for entry in originals:
            net = entry.minutes + nets.get(entry.pk, 0)
            rows.append(Participant(entry.member, str(minutes_to_hours(net)), net > 0, entry, net))
        return rows

    def _read(self, data):
        by_member = {row.member.pk: row for row in self.rows}
        posted = [pk_or_none(value) for value in data.getlist("member")]
        if any(pk is None for pk in posted):
            self.errors.append(_("参加人员有误，请重新添加。"))
        wanted = [pk for pk in dict.fromkeys(posted) if pk]
        allowed = {m.pk: m for m in scoped(Member.objects.current(), self.user, write=True).filter(pk__in=wanted)}
        # Someone the user may not record for: named only if the user may see them at all (a member
        # who left the register meanwhile), else a posted id would tell whose it is.
        outside = [pk for pk in wanted if pk not in allowed and pk not in by_member]
        visible = {m.pk: m for m in scoped(Member.objects.all(), self.user).filter(pk__in=outside)}
        existing = set(Member.objects.filter(pk__in=outside).values_list("pk", flat=True))
        for pk in wanted:
            row = by_member.get(pk)
            if row is None:
                if pk not in allowed and pk not in existing:
                    self.errors.append(_("所选党员不存在，请重新添加。"))
                    continue
                member = allowed.get(pk) or visible.get(pk) or Member(pk=pk, name=_("（您管理范围以外的人员）"))
                row = Participant(member, "", outside=pk not in allowed)
                self.rows.append(row)
            row.hours = data.get(f"hours_{pk}", "")
            row.taken = data.get(f"taken_{pk}") == "1"
            row.posted = True
        source = data.get("source")
        if source in (ServiceEntry.Source.ACTIVITY, ServiceEntry.Source.SIGN_IN):
            self.source = source

    @property
    def has_row_errors(self):
        return any(row.error for row in self.rows)

    def is_valid(self):
        if self.data is None:
            return False
        for row in self.rows:
            if row.outside and row.taken:
                row.error = _("%(name)s不在您管理的范围内（或已不在册），不能为其登记服务；请取消勾选。") % {
                    "name": row.member.name
                }
            if row.error or not row.taken or not row.posted:
                continue
            if row.entry is not None and row.hours.strip() == str(minutes_to_hours(row.net_minutes)):
                row.minutes = row.net_minutes  # as shown: unchanged (hours are shown rounded)
                continue
            row.minutes, problem = parse_hours(row.hours)
            if problem:
                row.error = problem
            elif row.entry is None and row.minutes == 0:
                row.error = _("服务时长应大于0；未参加的请取消勾选。")
        if self.require_someone and not any(row.posted for row in self.rows) and not self.errors:
            self.errors.append(_("请至少添加一名参加人员。"))
        if self.activity.starts_at and self.activity.day > datetime.date.today() and self.entries_to_write():
            self.errors.append(_("活动尚未开始，不能登记参加人员的服务时长。"))
        return not self.errors and not any(row.error for row in self.rows)

    def entries_to_write(self):
        """Unsaved entries: what changes in the ledger."""
        entries = []
        for row in self.rows:
            target = row.minutes if row.taken else 0
            if not row.posted:
                continue
            if row.entry is None:
                if not row.taken:
                    continue
                entries.append(
                    ServiceEntry(
                        member=row.member,
                        organization_id=self.activity.organization_id,
                        activity=self.activity,
                        served_on=self.activity.day,
                        minutes=target,
                        source=self.source,
                        recorded_by=self.user,
                    )
                )
            elif target != row.net_minutes:
                note = _("撤销：未参加") if target == 0 else _("更正服务时长")
                entries.append(row.entry.correction(target, user=self.user, note=note, source=self.source))
        return entries

    def check(self):
        """Whether every entry to write passes the ledger's own checks (messages on the rows)."""
        rows = {row.member.pk: row for row in self.rows}
        fine = True
        for entry in self.entries_to_write():
            try:
                entry.full_clean(exclude=["activity"] if self.activity.pk is None else None)
            except ValidationError as error:
                messages = error.message_dict
                chosen = messages.get("minutes") or messages.get("member") or messages.get("served_on")
                rows[entry.member_id].error = " ".join(chosen or error.messages)
                fine = False
        return fine

    def save(self):
        """Write the entries in one transaction; None (messages on the rows) if any is refused."""
        try:
            with transaction.atomic():
                if not self.check():
                    return None
                entries = self.entries_to_write()
                for entry in entries:
                    entry.save()
        except IntegrityError:  # someone recorded the same participant a moment ago
            self.errors.append(_("有人刚刚登记了同一活动的参加人员，请刷新页面后重试。"))
            return None
        return entries


class TeamForm(BoundedDates, forms.ModelForm):
    organization = forms.TypedChoiceField(label=_lazy("所属组织"), coerce=int, widget=QuickSelect)

    class Meta:
        model = ServiceTeam
        fields = ["name", "kind", "leader", "founded_on", "dissolved_on", "description"]
        widgets = {
            "founded_on": DateInput(),
            "dissolved_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    field_order = ["name", "organization", "kind", "leader", "founded_on", "dissolved_on", "description"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = organizer_choices(user)
        if self.instance.pk:
            self.initial["organization"] = self.instance.organization_id
            self.fields["organization"].disabled = True  # the team's activities and members hang on it
            offered = self.instance.current_members()
            self.fields["leader"].queryset = offered
        else:
            del self.fields["dissolved_on"]
            if len(self.fields["organization"].choices) == 1:
                self.initial.setdefault("organization", self.fields["organization"].choices[0][0])
            # Checked against the whole scope (clean() names a leader of another community); offered
            # from the chosen organization's community, a district's tens of thousands never.
            self.fields["leader"].queryset = offered = scoped(Member.objects.current(), user, write=True)
            org = self._chosen_organization()
            if org is not None:
                offered = offered.under(community_of(org))
        offered = offered.order_by("name_pinyin", "pk").values_list("pk", "name")[:CHOICES_CAP]
        self.fields["leader"].widget = QuickSelect(choices=[("", self.fields["leader"].empty_label), *offered])
        self.fields["leader"].help_text = _("可在添加队员后再指定队长。") if not self.instance.pk else ""

    def _chosen_organization(self):
        """The organization posted or proposed, if it is one of the choices."""
        pk = pk_or_none(self.data.get("organization") if self.is_bound else self.initial.get("organization"))
        if pk not in {choice for choice, _label in self.fields["organization"].choices}:
            return None
        return Organization.objects.get(pk=pk)

    def clean(self):
        cleaned = super().clean()
        org = Organization.objects.filter(pk=cleaned.get("organization")).first()
        if org is not None:
            self.instance.organization = org
        leader = cleaned.get("leader")
        if leader and org and leader.organization.community_path != org.community_path:
            self.add_error("leader", _("队长应为本社区的在册党员。"))
        return cleaned


class JoinTeamForm(BoundedDates, forms.Form):
    member = forms.TypedChoiceField(label=_lazy("党员"), coerce=int, widget=QuickSelect)
    joined_on = forms.DateField(label=_lazy("加入日期"), widget=DateInput(), initial=datetime.date.today)

    def __init__(self, *args, team, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.team = team
        candidates = (
            scoped(Member.objects.current(), user, write=True)
            .under(community_of(team.organization))
            .exclude(pk__in=team.current_members().values("pk"))
            .order_by("name_pinyin")
        )
        self.fields["member"].choices = [("", _("请选择党员"))] + list(
            candidates.values_list("pk", "name")[:CHOICES_CAP]
        )
        self.candidates = candidates

    def save(self):
        membership = TeamMembership(
            team=self.team,
            member=self.candidates.get(pk=self.cleaned_data["member"]),
            joined_on=self.cleaned_data["joined_on"],
        )
        try:
            membership.full_clean()
        except ValidationError as error:
            add_domain_errors(self, error)
            return None
        membership.save()
        return membership


class LeaveTeamForm(BoundedDates, forms.Form):
    left_on = forms.DateField(label=_lazy("退出日期"), widget=DateInput(), initial=datetime.date.today)
