"""The one way a member's state changes: check a ``MemberChange`` against the member's current
state, write it, and update the member, all in one transaction.

``next_state`` is a pure function so that the demo data and imports can build histories in bulk
with exactly the rules the forms use.
"""

import datetime
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from members.models import (
    RELATIONSHIP_HERE,
    Category,
    ManagementType,
    Member,
    MemberChange,
    Standing,
    Status,
    years_before,
)
from organizations.models import Organization
from portal.models import AuditEntry

Kind = MemberChange.Kind
ARRIVALS = (Kind.REGISTRATION, Kind.ADMISSION, Kind.TRANSFER_IN, Kind.MOBILE_IN)
# A member who has gone this way may arrive again (e.g. transferred back in).
MAY_RETURN = (Standing.TRANSFERRED_OUT, Standing.LEFT, Standing.VOID)
DEPARTURE_STANDING = {
    Kind.TRANSFER_OUT: Standing.TRANSFERRED_OUT,
    Kind.LEAVE: Standing.LEFT,
    Kind.DEATH: Standing.DECEASED,
    Kind.REMOVAL: Standing.REMOVED,
    Kind.PROBATION_CANCELLED: Standing.PROBATION_CANCELLED,
}
PROBATION_KINDS = (Kind.CONFIRMATION, Kind.PROBATION_EXTENDED, Kind.PROBATION_CANCELLED)
ARRIVAL_MANAGEMENT = {
    Kind.ADMISSION: ManagementType.SELF_MANAGED,
    Kind.TRANSFER_IN: ManagementType.SELF_MANAGED,
    Kind.MOBILE_IN: ManagementType.MOBILE_IN,
}
REQUIRED_FIELDS = {
    Kind.TRANSFER_IN: {
        "external_organization": _lazy("请填写转出单位（原党组织）。"),
        "letter_number": _lazy("请填写介绍信编号。"),
    },
    Kind.TRANSFER_OUT: {
        "external_organization": _lazy("请填写转往单位（接收党组织）。"),
        "letter_number": _lazy("请填写介绍信编号。"),
    },
    Kind.MOBILE_OUT: {"place": _lazy("请填写流出去向。"), "mobile_card_number": _lazy("请填写流动党员活动证号。")},
    Kind.MOBILE_IN: {
        "place": _lazy("请填写流入来源（原所在地）。"),
        "external_organization": _lazy("请填写组织关系所在党组织。"),
    },
    Kind.PROBATION_EXTENDED: {"note": _lazy("请填写延长预备期的原因和期限。")},
    Kind.PROBATION_CANCELLED: {"note": _lazy("请填写取消预备党员资格的原因和支部大会决议。")},
    Kind.CORRECTION: {"note": _lazy("请填写更正原因。")},
}


@dataclass(frozen=True)
class MemberState:
    organization_id: int
    status: str
    category: str
    management_type: str
    standing: str

    @classmethod
    def of(cls, obj):
        """The state held by a member or recorded after a change."""
        return cls(obj.organization_id, obj.status, obj.category, obj.management_type, obj.standing)


def next_state(change, state, member):
    """The member's state after ``change``, given the state before it (None for a new record)."""
    kind = change.kind
    if kind in ARRIVALS:
        return MemberState(
            organization_id=change.organization_id,
            status=Status.PROBATIONARY if kind == Kind.ADMISSION else (change.status or member.status),
            category=change.category or member.category,
            management_type=ARRIVAL_MANAGEMENT.get(kind) or change.management_type,
            standing=Standing.ACTIVE,
        )
    values = asdict(state)
    if kind in DEPARTURE_STANDING:
        values["standing"] = DEPARTURE_STANDING[kind]
    elif kind == Kind.MOVE:
        values["organization_id"] = change.organization_id
    elif kind == Kind.MOBILE_OUT:
        values["management_type"] = ManagementType.MOBILE_OUT
    elif kind == Kind.MOBILE_RETURN:
        values["management_type"] = ManagementType.SELF_MANAGED
    elif kind == Kind.CONFIRMATION:
        values["status"] = Status.FULL
    elif kind == Kind.CATEGORY_CHANGE:
        values["category"] = change.category
    return MemberState(**values)


def check_change(change, member, state, last_valid):
    """Raise a ValidationError (Chinese, keyed by field) unless ``change`` fits the member now."""
    errors = {}
    kind = change.kind
    _check_dates(change, member, last_valid, errors)
    for field, message in REQUIRED_FIELDS.get(kind, {}).items():
        if not str(getattr(change, field) or "").strip():
            errors[field] = message
    if kind in ARRIVALS:
        _check_arrival(change, member, state, errors)
    elif kind == Kind.CORRECTION:
        if last_valid is None:
            errors["kind"] = _("该党员没有可更正的变动记录。")
    elif state is None or state.standing != Standing.ACTIVE:
        label = Standing(state.standing).label if state else _("未登记")
        errors["kind"] = _("该党员当前%(standing)s，不能登记“%(kind)s”。") % {
            "standing": label,
            "kind": change.get_kind_display(),
        }
    else:
        _check_against_active(change, member, state, errors)
    if errors:
        raise ValidationError(errors)


def _check_dates(change, member, last_valid, errors):
    day = change.effective_date
    if day is None:
        errors["effective_date"] = _("请填写生效日期。")
        return
    if day > datetime.date.today():
        errors["effective_date"] = _("生效日期不能晚于今天。")
    elif change.kind == Kind.CORRECTION:
        return
    elif member.joined_on and day < member.joined_on:
        errors["effective_date"] = _("生效日期不能早于入党时间（%(d)s）。") % {"d": member.joined_on}
    elif last_valid is not None and day < last_valid.effective_date:
        errors["effective_date"] = _("生效日期不能早于该党员最近一次变动（%(d)s %(k)s）。") % {
            "d": last_valid.effective_date,
            "k": last_valid.get_kind_display(),
        }


def _check_arrival(change, member, state, errors):
    if state is not None and state.standing not in MAY_RETURN:
        errors["kind"] = _("该党员当前%(standing)s，不能再登记“%(kind)s”。") % {
            "standing": Standing(state.standing).label,
            "kind": change.get_kind_display(),
        }
    elif state is not None and (other := member.duplicate_on_register()):
        # A former member coming back while a newer record holds the number: one person, one record.
        errors["kind"] = _("该身份证号已登记在册：%(name)s（%(org)s），不能再登记“%(kind)s”。") % {
            "name": other.name,
            "org": other.organization,
            "kind": change.get_kind_display(),
        }
    _check_target_organization(change, errors)
    if change.kind == Kind.REGISTRATION and change.management_type not in (
        ManagementType.SELF_MANAGED,
        ManagementType.IN_SERVICE,
    ):
        errors["management_type"] = _("登记时管理方式应为自管党员或在职报到党员；流入党员请登记“流入登记”。")


def _check_target_organization(change, errors):
    org = change.organization if change.organization_id else None
    if org is None:
        errors["organization"] = _("请选择所在党支部或党小组。")
    elif org.kind not in Organization.MEMBER_KINDS:
        errors["organization"] = _("党员只能编入党支部或党小组。")
    elif org.dissolved_on:
        errors["organization"] = _("“%(name)s”已撤销。") % {"name": org.name}


def _check_against_active(change, member, state, errors):
    kind = change.kind
    mgmt = state.management_type
    if kind == Kind.TRANSFER_OUT and mgmt not in RELATIONSHIP_HERE:
        errors["kind"] = _("该党员的组织关系不在本社区，不能转出；请登记“离开本社区”。")
    elif kind == Kind.MOVE:
        _check_target_organization(change, errors)
        if "organization" not in errors:
            if change.organization_id == state.organization_id:
                errors["organization"] = _("新组织与原组织相同。")
            elif change.organization.street_path != Organization.objects.get(pk=state.organization_id).street_path:
                errors["organization"] = _("只能在本街道内调整；调往街道外请登记组织关系转出。")
    elif kind == Kind.MOBILE_OUT and mgmt != ManagementType.SELF_MANAGED:
        errors["kind"] = _("只有自管党员可以登记外出流动。")
    elif kind == Kind.MOBILE_RETURN and mgmt != ManagementType.MOBILE_OUT:
        errors["kind"] = _("该党员不是流出党员。")
    elif kind == Kind.LEAVE and mgmt not in (ManagementType.MOBILE_IN, ManagementType.IN_SERVICE):
        errors["kind"] = _("“离开本社区”只适用于流入党员和在职报到党员；自管党员请登记组织关系转出。")
    elif kind in PROBATION_KINDS and state.status != Status.PROBATIONARY:
        errors["kind"] = _("该党员已是正式党员。")
    elif kind in PROBATION_KINDS and mgmt not in RELATIONSHIP_HERE:
        errors["kind"] = _("该党员的组织关系不在本社区，转正、延长或取消预备期应由其组织关系所在党组织办理。")
    elif (
        kind == Kind.CONFIRMATION
        and change.effective_date
        and member.joined_on
        and years_before(change.effective_date, 1) < member.joined_on
    ):
        errors["effective_date"] = _("预备期为一年，%(d)s之后方可转正。") % {"d": years_before(member.joined_on, -1)}
    elif kind == Kind.CATEGORY_CHANGE and (not change.category or change.category == state.category):
        errors["category"] = _("请选择新的人员类别。")


# Said to whoever loses a race with another change of the same member.
MEMBER_BUSY = _lazy("该党员信息刚被他人修改，请刷新后重试。")
CONFLICT_CODES = ("stale", "busy")


def apply_change(change, actor=None, expected_version=None):
    """Check and record ``change`` for its member; update the member. ``actor``: request or user.

    ``expected_version``: the member's version the caller's form was built on; if someone changed
    the member since, the change is refused (code "stale") rather than applied to a state the
    user never saw. The loser of two changes at the same moment gets a ValidationError (code
    "busy"), never a database error.
    """
    try:
        return _apply_change(change, actor, expected_version)
    except (OperationalError, IntegrityError) as error:
        # Lock timeouts, deadlocks, serialization failures, SQLite's "database is locked", an ID
        # number registered meanwhile: the other side won, and this transaction is rolled back.
        raise ValidationError(MEMBER_BUSY, code="busy") from error


@transaction.atomic
def _apply_change(change, actor, expected_version):
    member = Member.objects.select_for_update().get(pk=change.member_id)
    if expected_version is not None and member.version != expected_version:
        raise ValidationError(MEMBER_BUSY, code="stale")
    change.member = member
    history = list(member.valid_changes())
    last_valid = history[-1] if history else None
    state = MemberState.of(last_valid) if last_valid else None
    check_change(change, member, state, last_valid)

    if change.kind == Kind.CORRECTION:
        change.reverses = last_valid
        previous = history[-2] if len(history) > 1 else None
        after = (
            MemberState.of(previous)
            if previous
            else MemberState(**{**asdict(MemberState.of(last_valid)), "standing": Standing.VOID})
        )
    else:
        after = next_state(change, state, member)
    change.from_organization_id = state.organization_id if state and change.kind not in ARRIVALS else None
    for field, value in asdict(after).items():
        setattr(change, field, value)
    change.recorded_by = _user_of(actor)
    change.save()

    before = MemberState.of(member)
    _update_member(member, change, after)
    AuditEntry.record(
        actor,
        AuditEntry.Action.MEMBER_CHANGE,
        member,
        summary=f"{member.name}：{change.get_kind_display()}（{change.effective_date}）",
        changes={"change_id": change.pk, "before": asdict(before), "after": asdict(after)},
    )
    return change


def _update_member(member, change, after):
    for field, value in asdict(after).items():
        setattr(member, field, value)
    kind = change.kind
    if kind == Kind.CONFIRMATION:
        member.confirmed_on = change.effective_date
    elif kind == Kind.CORRECTION and change.reverses.kind == Kind.CONFIRMATION:
        member.confirmed_on = None
    elif kind in (Kind.MOBILE_OUT, Kind.MOBILE_IN):
        member.mobile_card_number = change.mobile_card_number or member.mobile_card_number
        member.mobile_place = change.place
        member.mobile_contact = change.contact_person
        member.last_contact_on = change.effective_date
    member.save()


@transaction.atomic
def register_member(member, change, actor=None):
    """Create a new member record together with its first change (registration, transfer in…)."""
    if change.kind not in ARRIVALS:
        raise ValidationError({"kind": _("新党员档案只能以登记、接收预备党员、转入或流入开始。")})
    errors = {}
    try:
        check_change(change, member, None, None)
    except ValidationError as error:
        errors.update(error.message_dict)
    member.organization_id = change.organization_id
    member.status = Status.PROBATIONARY if change.kind == Kind.ADMISSION else (change.status or member.status)
    member.category = change.category or member.category
    member.management_type = ARRIVAL_MANAGEMENT.get(change.kind) or change.management_type
    member.standing = Standing.ACTIVE
    member.checked_by = _user_of(actor)  # a duplicate ID number is named only to whose scope holds it
    try:
        member.full_clean(exclude=["organization"] if "organization" in errors else None)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    _insert_new(member)
    AuditEntry.record(actor, AuditEntry.Action.MEMBER_CREATE, member, summary=f"新建党员档案：{member.name}")
    change.member = member
    return apply_change(change, actor)


def _insert_new(member):
    """Save a new record; an ID number registered by someone else a moment ago is a field error."""
    try:
        with transaction.atomic():  # a savepoint: the failed insert must not break the caller's transaction
            member.save()
    except IntegrityError:
        raise ValidationError({"id_number": _("该身份证号刚被他人登记在册，请刷新后重试。")}) from None


def _user_of(actor):
    user = getattr(actor, "user", actor)
    return user if user is not None and user.is_authenticated else None


def available_kinds(member, with_correction=True):
    """The change kinds that make sense for the member's current state (the page's action buttons);
    without the correction, no query is needed (the member list's row menus)."""
    standing, mgmt = member.standing, member.management_type
    has_history = with_correction and member.valid_changes().exists()
    if standing in MAY_RETURN:
        kinds = [Kind.TRANSFER_IN, Kind.MOBILE_IN, Kind.REGISTRATION]
    elif standing != Standing.ACTIVE:
        kinds = []
    else:
        kinds = [Kind.MOVE]
        if mgmt in RELATIONSHIP_HERE:
            kinds.append(Kind.TRANSFER_OUT)
        if mgmt == ManagementType.SELF_MANAGED:
            kinds.append(Kind.MOBILE_OUT)
        if mgmt == ManagementType.MOBILE_OUT:
            kinds.append(Kind.MOBILE_RETURN)
        if mgmt in (ManagementType.MOBILE_IN, ManagementType.IN_SERVICE):
            kinds.append(Kind.LEAVE)
        if member.status == Status.PROBATIONARY:
            kinds += list(PROBATION_KINDS) if mgmt in RELATIONSHIP_HERE else []
        kinds += [Kind.CATEGORY_CHANGE, Kind.DEATH, Kind.REMOVAL]
    if has_history:
        kinds.append(Kind.CORRECTION)
    return kinds


def describe_change(change, member):
    """What saving ``change`` will do, in words: [(label, before, after)] for what changes."""
    history = list(member.valid_changes())
    state = MemberState.of(history[-1]) if history else None
    if change.kind == Kind.CORRECTION:
        previous = history[-2] if len(history) > 1 else None
        after = MemberState.of(previous) if previous else MemberState(**{**asdict(state), "standing": Standing.VOID})
    else:
        after = next_state(change, state, member)
    before = state or MemberState(None, "", "", "", "")
    labels = {
        "organization_id": _("所在组织"),
        "status": _("党员类别"),
        "category": _("人员类别"),
        "management_type": _("管理方式"),
        "standing": _("在册状态"),
    }
    names = dict(
        Organization.objects.filter(pk__in=[before.organization_id, after.organization_id]).values_list("pk", "name")
    )
    choices = {"status": Status, "category": Category, "management_type": ManagementType, "standing": Standing}
    lines = []
    for field, label in labels.items():
        old, new = getattr(before, field), getattr(after, field)
        if old == new:
            continue
        if field == "organization_id":
            old, new = names.get(old, "—"), names.get(new, "—")
        else:
            options = dict(choices[field].choices)
            old, new = options.get(old, "—"), options.get(new, "—")
        lines.append((label, old, new))
    return lines


# -- closing an organization (plugged into the organizations app by portal_parts) ------------------


def refuse_dissolving_with_members(organization, on):
    """An organization with members on its register cannot close."""
    if Member.objects.current().under(organization).exists():
        raise ValidationError({"dissolved_on": _("该组织仍有在册党员，请先将党员调整到其他组织。")})


def move_members_out(organization, target, on, actor):
    """Before ``organization`` closes, move its members to ``target``, each move logged. Returns
    how many moved."""
    members = list(Member.objects.current().under(organization))
    if members and target is None:
        raise ValidationError({"move_members_to": _("该组织有%(n)d名在册党员，请选择调整去向。") % {"n": len(members)}})
    for member in members:
        apply_change(
            MemberChange(
                member=member,
                kind=Kind.MOVE,
                organization=target,
                effective_date=on,
                note=f"{organization.name}撤销，随之调整",
            ),
            actor,
        )
    return len(members)
