"""The demo street's Party members, with years of history (the demo step registered in
members/portal_parts.py, after the organization tree's).

Histories are generated in memory and written in bulk, but every state comes from
``members.changes.next_state`` — the same rules the forms use — so the demo register is one the
portal itself could have produced.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from members.changes import MemberState, next_state
from members.models import (
    Category,
    Education,
    Gender,
    ManagementType,
    Member,
    MemberChange,
    Standing,
    Status,
    pinyin_keys,
    years_before,
)
from organizations.models import Organization, Role
from portal.identity import make_id_number

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉梅志红文海波春林金凤云飞德荣庆福"
PLACES = ["福建省福州市", "广东省深圳市", "浙江省杭州市", "上海市浦东新区", "江苏省南京市", "北京市朝阳区"]
EMPLOYERS = [
    "县人民医院",
    "县第一中学",
    "县供电公司",
    "县农商银行",
    "县自来水公司",
    "县税务局",
    "镇卫生院",
    "县市场监管局",
]
AREA_CODE = "350182"


@dataclass
class PlannedMember:
    member: Member
    events: list = field(default_factory=list)  # (date, MemberChange) in order
    mistake: MemberChange | None = None  # a last entry made in error, to be reversed


class MemberBuilder:
    """Plans and writes the members of ``demo.communities`` (left by the tree's step)."""

    def __init__(self, demo):
        self.demo = demo
        self.random, self.today, self.history_start = demo.random, demo.today, demo.history_start
        self.per_community = demo.per_community
        self.communities = demo.communities
        self.born_on = Counter()

    # -- members --------------------------------------------------------------------------------

    def build_members(self, recorders):
        planned = []
        for index, (community, branches, groups) in enumerate(self.communities):
            recorder = recorders.get(community.pk)
            for _ in range(self.per_community):
                planned.append(self._plan_member(community, branches, groups, recorder, index))
        self._plan_cross_community_moves(planned)
        self._write_members(planned)
        return len(planned)

    def _plan_member(self, community, branches, groups, recorder, community_index):
        rnd = self.random
        age = self._age()
        gender = Gender.FEMALE if rnd.random() < (0.56 if age >= 60 else 0.45) else Gender.MALE
        birth = self._date_between(
            years_before(self.today, age + 1) + datetime.timedelta(days=1), years_before(self.today, age)
        )
        self.born_on[birth] += 1  # the ID's sequence number is unique per birth date
        joined = self._date_between(
            years_before(birth, -18) + datetime.timedelta(days=1),
            min(years_before(birth, -55), self.today - datetime.timedelta(days=30)),
        )
        category = self._category(age)
        management = self._management(category, age)
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        building_branches = [b for b in branches if b.branch_kind == Organization.BranchKind.BUILDING]
        if management == ManagementType.MOBILE_IN or (management == ManagementType.MOBILE_OUT and rnd.random() < 0.5):
            org = branches[-1]
        elif category == Category.IN_SERVICE and rnd.random() < 0.2:
            org = branches[-2]
        elif rnd.random() < 0.05:
            org = rnd.choice(building_branches)  # no group yet: shows up as "without a group"
        else:
            org = rnd.choice(groups)
        member = Member(
            name=name,
            gender=gender,
            birth_date=birth,
            id_number=make_id_number(AREA_CODE, birth, self.born_on[birth], gender),
            ethnicity="汉族" if rnd.random() < 0.95 else rnd.choice(["回族", "畲族", "满族"]),
            phone=f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}" if rnd.random() < 0.92 else "",
            address=f"{community.name.removesuffix('社区党委')}社区{rnd.randint(1, 40)}号楼{rnd.randint(1, 6)}单元"
            f"{rnd.randint(1, 18)}0{rnd.randint(1, 4)}室"
            if rnd.random() < 0.96
            else "",
            education=rnd.choice(Education.values),
            joined_on=joined,
            organization=org,
            status=Status.FULL,
            category=category,
            management_type=management,
            standing=Standing.ACTIVE,
            employer=rnd.choice(EMPLOYERS) if category == Category.IN_SERVICE else "",
        )
        plan = PlannedMember(member)
        self._plan_history(plan, org, groups, recorder)
        return plan

    def _age(self):
        band = self.random.choices([(22, 29), (30, 39), (40, 49), (50, 59), (60, 92)], weights=[10, 7, 10, 13, 60])[0]
        return self.random.randint(*band)

    def _category(self, age):
        if age >= 60:
            return Category.RETIRED if self.random.random() < 0.92 else Category.OTHER
        return self.random.choices(
            [Category.IN_SERVICE, Category.LAID_OFF, Category.SELF_EMPLOYED, Category.MOBILE, Category.OTHER],
            weights=[60, 8, 12, 10, 10],
        )[0]

    def _management(self, category, age):
        if category == Category.MOBILE:
            return self.random.choice([ManagementType.MOBILE_OUT, ManagementType.MOBILE_IN])
        if category == Category.IN_SERVICE and self.random.random() < 0.3:
            return ManagementType.IN_SERVICE
        return ManagementType.SELF_MANAGED

    def _plan_history(self, plan, org, groups, recorder):
        """Arrival, then the changes a secretary would have logged over the years."""
        rnd, member = self.random, plan.member
        start = max(member.joined_on, self.history_start)
        final_management = member.management_type
        recent_joiner = rnd.random() < 0.04 and member.birth_date.year > self.today.year - 45
        if recent_joiner:
            admitted = self._date_between(
                self.today - datetime.timedelta(days=800), self.today - datetime.timedelta(days=30)
            )
            member.joined_on = max(admitted, years_before(member.birth_date, -18))
            self._add(plan, MemberChange.Kind.ADMISSION, member.joined_on, recorder, organization=org)
            due = years_before(member.joined_on, -1)
            if due < self.today - datetime.timedelta(days=20) and rnd.random() < 0.85:
                self._add(
                    plan, MemberChange.Kind.CONFIRMATION, due + datetime.timedelta(days=rnd.randint(0, 20)), recorder
                )
        elif final_management == ManagementType.MOBILE_IN:
            self._add(
                plan,
                MemberChange.Kind.MOBILE_IN,
                self._date_between(start, self.today),
                recorder,
                organization=org,
                place=rnd.choice(PLACES),
                external_organization="原籍村党支部",
            )
        elif final_management == ManagementType.IN_SERVICE:
            self._add(
                plan,
                MemberChange.Kind.REGISTRATION,
                self._date_between(start, self.today),
                recorder,
                organization=org,
                management_type=ManagementType.IN_SERVICE,
            )
        elif rnd.random() < 0.45:
            self._add(
                plan,
                MemberChange.Kind.TRANSFER_IN,
                self._date_between(start, self.today),
                recorder,
                organization=org,
                external_organization=rnd.choice(EMPLOYERS) + "党委",
                letter_number=f"转字〔{start.year}〕第{rnd.randint(1, 300)}号",
            )
        else:
            self._add(
                plan,
                MemberChange.Kind.REGISTRATION,
                start,
                recorder,
                organization=org,
                management_type=ManagementType.SELF_MANAGED,
            )
        last = plan.events[-1][0]
        if final_management == ManagementType.MOBILE_OUT:
            went = self._date_between(last, self.today)
            self._add(
                plan,
                MemberChange.Kind.MOBILE_OUT,
                went,
                recorder,
                place=rnd.choice(PLACES),
                mobile_card_number=f"LD{went.year}{rnd.randint(1000, 9999)}",
                contact_person="社区党委书记",
            )
            member.last_contact_on = self._date_between(went, self.today)
        elif final_management == ManagementType.MOBILE_IN:
            member.last_contact_on = self._date_between(last, self.today)
        self._plan_later_changes(plan, org, groups, recorder)

    def _plan_later_changes(self, plan, org, groups, recorder):
        rnd, member = self.random, plan.member
        state = self._state_after(plan)
        if state.management_type == ManagementType.SELF_MANAGED and rnd.random() < 0.08:
            target = rnd.choice([g for g in groups if g is not org] or groups)
            self._add(
                plan,
                MemberChange.Kind.MOVE,
                self._date_between(plan.events[-1][0], self.today),
                recorder,
                organization=target,
            )
        sixtieth = years_before(member.birth_date, -60)
        if member.category == Category.RETIRED and plan.events[0][0] < sixtieth <= self.today:
            # Retired during the history: was in service until the sixtieth birthday.
            member.category = Category.IN_SERVICE
            for _date, change in plan.events:
                change.category = Category.IN_SERVICE
            when = max(sixtieth, plan.events[-1][0])
            self._add(plan, MemberChange.Kind.CATEGORY_CHANGE, when, recorder, category=Category.RETIRED)
        roll = rnd.random()
        state = self._state_after(plan)
        last = plan.events[-1][0]
        if roll < 0.05 and state.management_type in (ManagementType.SELF_MANAGED, ManagementType.MOBILE_OUT):
            self._add(
                plan,
                MemberChange.Kind.TRANSFER_OUT,
                self._date_between(last, self.today),
                recorder,
                external_organization=rnd.choice(EMPLOYERS) + "党委",
                letter_number=f"转出〔{last.year}〕第{rnd.randint(1, 99)}号",
            )
            if rnd.random() < 0.15:  # and came back
                self._add(
                    plan,
                    MemberChange.Kind.TRANSFER_IN,
                    self._date_between(plan.events[-1][0], self.today),
                    recorder,
                    organization_id=state.organization_id,
                    external_organization="县直机关工委",
                    letter_number=f"转字〔{self.today.year}〕第{rnd.randint(1, 99)}号",
                )
        elif roll < 0.08 and member.birth_date.year < self.today.year - 70:
            self._add(plan, MemberChange.Kind.DEATH, self._date_between(last, self.today), recorder)
        elif roll < 0.09 and state.management_type in (ManagementType.IN_SERVICE, ManagementType.MOBILE_IN):
            self._add(plan, MemberChange.Kind.LEAVE, self._date_between(last, self.today), recorder)
        elif roll < 0.095:  # a mistaken move, reversed later by a correction
            target = rnd.choice(groups)
            if target.pk != state.organization_id:
                self._add(
                    plan, MemberChange.Kind.MOVE, self._date_between(last, self.today), recorder, organization=target
                )
                plan.mistake = plan.events[-1][1]

    def _plan_cross_community_moves(self, planned):
        """About one member in a hundred moved house to another community of the street."""
        if len(self.communities) < 2:
            return
        for plan in self.random.sample(planned, len(planned) // 100):
            state = self._state_after(plan)
            if state.standing != Standing.ACTIVE or plan.mistake is not None:
                continue
            _community, _branches, groups = self.random.choice(self.communities)
            self._add(
                plan,
                MemberChange.Kind.MOVE,
                self._date_between(plan.events[-1][0], self.today),
                plan.events[-1][1].recorded_by,
                organization=self.random.choice(groups),
            )

    def _add(self, plan, kind, day, recorder, **fields):
        day = min(day, self.today)
        change = MemberChange(kind=kind, effective_date=day, recorded_by=recorder, **fields)
        state = self._state_after(plan) if plan.events else None
        if state is not None and "organization" not in fields and "organization_id" not in fields:
            change.organization_id = state.organization_id
        after = next_state(change, state, plan.member)
        for name, value in after.__dict__.items():
            setattr(change, name, value)
        change.from_organization_id = state.organization_id if state and kind != MemberChange.Kind.TRANSFER_IN else None
        recorded = datetime.datetime.combine(
            day + datetime.timedelta(days=self.random.randint(0, 3)), datetime.time(10)
        )
        change.recorded_at = timezone.make_aware(min(recorded, datetime.datetime.combine(self.today, datetime.time(9))))
        plan.events.append((day, change))

    def _state_after(self, plan):
        return MemberState.of(plan.events[-1][1])

    def _write_members(self, planned):
        for plan in planned:
            # A corrected mistake leaves the member as they were before it.
            member = plan.member
            state = MemberState.of(plan.events[-2][1] if plan.mistake else plan.events[-1][1])
            for name, value in state.__dict__.items():
                setattr(member, name, value)
            kinds = [change.kind for _d, change in plan.events]
            if MemberChange.Kind.CONFIRMATION in kinds:
                member.confirmed_on = plan.events[kinds.index(MemberChange.Kind.CONFIRMATION)][0]
            if MemberChange.Kind.MOBILE_OUT in kinds:
                change = plan.events[kinds.index(MemberChange.Kind.MOBILE_OUT)][1]
                member.mobile_card_number, member.mobile_place = change.mobile_card_number, change.place
                member.mobile_contact = change.contact_person
            if MemberChange.Kind.MOBILE_IN in kinds:
                member.mobile_place = plan.events[kinds.index(MemberChange.Kind.MOBILE_IN)][1].place
            member.name_pinyin, member.name_initials = pinyin_keys(member.name)  # bulk_create skips save()
        Member.objects.bulk_create([plan.member for plan in planned], batch_size=2000)
        changes = []
        for plan in planned:
            for _day, change in plan.events:
                change.member = plan.member
                changes.append(change)
        MemberChange.objects.bulk_create(changes, batch_size=2000)
        corrections = []
        for plan in planned:
            if plan.mistake is not None:
                before, mistake = plan.events[-2][1], plan.mistake
                corrections.append(
                    MemberChange(
                        member=plan.member,
                        kind=MemberChange.Kind.CORRECTION,
                        reverses=mistake,
                        effective_date=mistake.effective_date,
                        note="误登记调整，予以撤销",
                        recorded_by=mistake.recorded_by,
                        recorded_at=mistake.recorded_at,
                        from_organization_id=mistake.organization_id,
                        **{name: getattr(before, name) for name in MemberChange.STATE_FIELDS},
                    )
                )
        MemberChange.objects.bulk_create(corrections)

    def _date_between(self, first, last):
        return self.demo.date_between(first, last)


def build_members(demo):
    recorders = {role.organization_id: role.user for role in Role.objects.filter(kind=Role.Kind.COMMUNITY_SECRETARY)}
    demo.members_built = MemberBuilder(demo).build_members(recorders)


def describe_members(demo):
    count = getattr(demo, "members_built", None)
    return f"{Member.objects.count() if count is None else count} 名党员"
