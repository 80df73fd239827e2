"""The demo street's services: three years of them (the demo step registered in
services/portal_parts.py, after the register's).

Each community gets its service teams with members, a weekly activity of one team or another and
the festival activities of the year, every participant's ledger entry (a few corrected later),
in-service members registered with the community who serve a lot, a little or not at all this
year (so some fall below the street's target), households in need with their helpers and the
visits made to them, the four must-visits (a death among them, recorded through the member
change log as a secretary would), and resident units with their co-building agreements (one of
them ending within 60 days) and the projects done together.

Everything is planned in memory and written with ``bulk_create``; only the deaths go through
``members.changes.apply_change``, the portal's own path, so whatever reacts to a death (a visit
falling due) reacts here too.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone

from members.changes import apply_change
from members.models import Category, ManagementType, Member, MemberChange, Standing
from organizations.models import Organization, Role
from services.models import (
    Activity,
    CareVisit,
    CoBuildingAgreement,
    Household,
    InServiceRegistration,
    Pairing,
    ResidentUnit,
    ServiceEntry,
    ServiceTarget,
    ServiceTeam,
    TeamMembership,
    VisitDue,
)

K = Activity.Kind
CK = Activity.ConvenienceKind
BATCH = 2000

# (title, month, day, kind, hour): the year's festival and theme days, on fixed days of the solar
# calendar (close enough for a demo: the lunar ones move by a few weeks from year to year).
FESTIVALS = [
    ("迎新春走访慰问志愿服务", 1, 20, K.FESTIVAL, 9),
    ("元宵节猜灯谜邻里活动", 2, 12, K.FESTIVAL, 19),
    ("学雷锋志愿服务日", 3, 5, K.VOLUNTEER, 9),
    ("清明文明祭扫宣传", 4, 2, K.PUBLICITY, 9),
    ("端午节包粽子送孤寡老人", 6, 8, K.FESTIVAL, 9),
    ("七一党员志愿服务", 7, 1, K.VOLUNTEER, 8),
    ("中秋节邻里联欢", 9, 15, K.FESTIVAL, 19),
    ("国庆社区环境整治", 9, 28, K.ENVIRONMENT, 8),
    ("重阳节敬老服务", 10, 20, K.FESTIVAL, 9),
    ("年末社区大扫除", 12, 20, K.ENVIRONMENT, 9),
]
CONVENIENCE = [
    (CK.FREE_CLINIC, "义诊", "社区卫生服务站"),
    (CK.HAIRCUT, "爱心理发", "党群服务中心门口"),
    (CK.APPLIANCE_REPAIR, "家电义务维修", "社区广场"),
    (CK.TAILORING, "缝补衣物", "党群服务中心"),
    (CK.LEGAL_ADVICE, "法律咨询", "党群服务中心"),
    (CK.MEDICAL_ADVICE, "健康咨询", "社区卫生服务站"),
]
VOLUNTEER_WORK = [
    (K.ENVIRONMENT, "楼道环境整治", "各楼栋"),
    (K.VOLUNTEER, "助老志愿服务", "独居老人家中"),
    (K.ENVIRONMENT, "垃圾分类督导", "小区垃圾投放点"),
    (K.PUBLICITY, "文明创建宣传", "社区广场"),
]
# (name, its Party organization, what it offers, what it asks for); {n}: the community's name.
UNITS = [
    ("{n}卫生服务中心", "{n}卫生服务中心党支部", ["hall", "volunteers", "expertise"], "希望社区协助开展健康体检宣传。"),
    ("{n}小学", "{n}小学党支部", ["sports", "hall", "volunteers"], "希望社区为学生提供社会实践岗位。"),
    ("县供电公司{n}供电所", "县供电公司{n}供电所党支部", ["volunteers", "expertise"], "希望社区配合做好用电安全宣传。"),
    ("县农商银行{n}支行", "县农商银行{n}支行党支部", ["funds", "meeting_room"], "希望社区协助开展防范电信诈骗宣传。"),
    ("{n}派出所", "{n}派出所党支部", ["expertise", "volunteers"], "希望社区配合开展平安创建和反诈宣传。"),
    ("县图书馆{n}分馆", "县文化馆图书馆联合党支部", ["hall", "meeting_room"], "希望社区组织居民参加阅读活动。"),
    ("{n}幼儿园", "{n}幼儿园党支部", ["sports", "volunteers"], "希望社区在放学时段协助维护校门口秩序。"),
    ("{n}邮政支局", "县邮政分公司{n}联合党支部", ["volunteers", "other"], "希望社区协助推广助老代办服务。"),
    ("{n}物业服务中心", "{n}物业服务中心党支部", ["funds", "meeting_room"], "希望社区协调业主共同整治楼道堆物。"),
]
OFFER_NOTES = {
    "hall": "周末可借用礼堂，容纳约200人",
    "sports": "节假日开放运动场",
    "meeting_room": "可借用会议室，需提前三天预约",
    "funds": "每年资助社区活动经费",
}
HOUSEHOLD_KINDS = ["elderly_alone", "elderly_alone", "disabled", "low_income", "children", "poor", "entitled"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "秀英桂兰玉梅淑珍建国德福春生金凤"


def build(demo):
    ServiceBuilder(demo).build()


def describe(demo):
    counts = getattr(demo, "services_built", None)
    if counts is None:
        counts = (Activity.objects.count(), ServiceEntry.objects.count(), CareVisit.objects.count())
    return f"{counts[0]} 次服务活动、{counts[1]} 条服务记录、{counts[2]} 次走访"


class ServiceBuilder:
    def __init__(self, demo):
        self.demo, self.random, self.today = demo, demo.random, demo.today
        self.start = datetime.date(self.today.year - 2, 1, 1)  # this year and the two before
        self.now = min(timezone.now(), _aware(self.today, 23, 59))
        self.activities, self.entries, self.visits = [], [], []

    # -- the plan -------------------------------------------------------------------------------

    def build(self):
        communities = [community for community, _branches, _groups in self.demo.communities]
        self.recorders = {
            role.organization_id: role.user
            for role in Role.objects.filter(kind=Role.Kind.COMMUNITY_SECRETARY).select_related("user")
        }
        street_staff = Role.objects.filter(kind=Role.Kind.STREET_STAFF).select_related("user").first()
        deaths = self._record_deaths(communities[:2])
        self._load_members(communities)
        ServiceTarget.objects.bulk_create(
            [
                ServiceTarget(
                    organization=self.demo.street,
                    effective_year=self.start.year,
                    hours_target=Decimal("12"),
                    set_by=street_staff.user if street_staff else None,
                ),
                ServiceTarget(
                    organization=self.demo.street,
                    effective_year=self.today.year,
                    hours_target=Decimal("16"),
                    activities_target=4,
                    set_by=street_staff.user if street_staff else None,
                ),
            ]
        )
        plans = []
        for index, community in enumerate(communities):
            plans.append(self._plan_community(index, community))
        Activity.objects.bulk_create(self.activities, batch_size=BATCH)
        for plan in plans:
            for activity, participants in plan["participations"]:
                self._participate(activity, participants, plan)
        self._manual_entries(plans)
        ServiceEntry.objects.bulk_create(self.entries, batch_size=BATCH)
        self._corrections()
        self._visits(plans, deaths)
        self.demo.services_built = (len(self.activities), ServiceEntry.objects.count(), len(self.visits))

    def _load_members(self, communities):
        steplen = Organization.steplen
        paths = {community.path: community for community in communities}
        arrivals = dict(MemberChange.objects.values_list("member").annotate(first=Min("effective_date")).order_by())
        self.members = defaultdict(list)  # community id → [(id, category, management type, employer, birth)]
        rows = (
            Member.objects.filter(standing=Standing.ACTIVE)
            .order_by("id")
            .values_list("pk", "organization__path", "category", "management_type", "employer", "birth_date")
        )
        for pk, path, category, management, employer, birth in rows:
            community = paths.get(path[: 2 * steplen])
            if community is not None:
                arrived = max(arrivals.get(pk, self.start), self.start - datetime.timedelta(days=400))
                self.members[community.pk].append((pk, category, management, employer, birth, arrived))

    def _plan_community(self, index, community):
        rnd = self.random
        name = community.name.removesuffix("社区党委")
        people = self.members[community.pk]
        elders = [m for m in people if m[1] == Category.RETIRED] or people
        in_service = [m for m in people if m[2] == ManagementType.IN_SERVICE]
        founded = self.start - datetime.timedelta(days=rnd.randint(200, 900))
        teams = [
            self._team(community, f"{name}社区党员志愿服务队", ServiceTeam.Kind.VOLUNTEER, founded, elders, 16),
            self._team(community, f"{name}社区平安巡逻队", ServiceTeam.Kind.PATROL, founded, elders, 10),
            self._team(community, f"{name}社区便民服务队", ServiceTeam.Kind.CONVENIENCE, founded, people, 8),
        ]
        units, agreements = self._units(index, community, name)
        # How keen each registered in-service member is: some serve every month, some never.
        keen = {m[0]: rnd.choice([0, 0, 0.01, 0.03, 0.05, 0.08, 0.15]) for m in in_service}
        registrations = self._registrations(community, in_service)
        plan = {
            "community": community,
            "name": name,
            "people": people,
            "elders": elders,
            "teams": teams,
            "keen": keen,
            "registrations": registrations,
            "participations": [],
            "recorder": self.recorders.get(community.pk),
            "agreements": agreements,
        }
        self._weekly(plan)
        self._festivals(plan)
        self._projects(plan)
        return plan

    def _team(self, community, name, kind, founded, pool, size):
        chosen = self.random.sample(pool, min(size, len(pool)))
        team = ServiceTeam.objects.create(
            organization=community,
            name=name,
            kind=kind,
            founded_on=founded,
            description=f"{name}，以离退休党员为骨干，每周开展服务。",
            leader_id=chosen[0][0] if chosen else None,
        )
        TeamMembership.objects.bulk_create(
            [TeamMembership(team=team, member_id=m[0], joined_on=max(founded, m[5])) for m in chosen]
        )
        team.pool = chosen
        return team

    def _weekly(self, plan):
        """Every Saturday one team serves: the volunteers, the patrol and the convenience team in turn;
        the next two Saturdays are announced (no one has served yet)."""
        rnd = self.random
        day = self.start + datetime.timedelta(days=(5 - self.start.weekday()) % 7)
        week = 0
        volunteers, patrol, convenience = plan["teams"]
        last = self.today + datetime.timedelta(days=14)
        while day <= last:
            turn = week % 3
            if turn == 0:
                kind, title, place = VOLUNTEER_WORK[(week // 3) % len(VOLUNTEER_WORK)]
                activity = self._activity(plan, volunteers, title, kind, day, 9, 120, place)
            elif turn == 1:
                activity = self._activity(plan, patrol, "夜间平安巡逻", K.PATROL, day, 19, 90, "小区各出入口")
            else:
                item, title, place = CONVENIENCE[(week // 3) % len(CONVENIENCE)]
                activity = self._activity(plan, convenience, f"便民服务：{title}", K.CONVENIENCE, day, 9, 150, place)
                activity.convenience_kind = item
                activity.beneficiaries = rnd.randint(15, 80)
            team = activity.team
            if day < self.today:
                present = [m for m in team.pool if m[5] <= day]
                people = rnd.sample(present, min(len(present), rnd.randint(4, 9)))
                people += [m for m in plan["people"] if m[0] in plan["keen"] and rnd.random() < plan["keen"][m[0]]]
                plan["participations"].append((activity, people))
            day += datetime.timedelta(days=7)
            week += 1

    def _festivals(self, plan):
        rnd = self.random
        for year in range(self.start.year, self.today.year + 1):
            for title, month, day_of_month, kind, hour in FESTIVALS:
                day = datetime.date(year, month, day_of_month)
                if day > self.today:
                    continue
                activity = self._activity(plan, None, title, kind, day, hour, 180, "党群服务中心")
                activity.beneficiaries = rnd.randint(60, 300)
                present = [m for m in plan["people"] if m[5] <= day]
                people = rnd.sample(present, min(len(present), rnd.randint(12, 28)))
                people += [m for m in plan["people"] if m[0] in plan["keen"] and rnd.random() < plan["keen"][m[0]] * 4]
                plan["participations"].append((activity, people))

    def _projects(self, plan):
        """Projects done together with the resident units: two or three a year under each agreement."""
        rnd = self.random
        for agreement, unit_name in plan["agreements"]:
            day = agreement.starts_on + datetime.timedelta(days=rnd.randint(20, 60))
            end = min(agreement.ends_on or self.today, self.today)
            while day <= end:
                title = rnd.choice(["联合义诊", "共建单位志愿服务", "安全知识进社区", "共建单位开放日"])
                kind = K.CONVENIENCE if title == "联合义诊" else K.VOLUNTEER
                activity = self._activity(plan, None, f"{unit_name}{title}", kind, day, 14, 120, unit_name)
                activity.agreement = agreement
                activity.beneficiaries = rnd.randint(30, 150)
                if kind == K.CONVENIENCE:
                    activity.convenience_kind = CK.FREE_CLINIC
                present = [m for m in plan["people"] if m[5] <= day]
                plan["participations"].append((activity, rnd.sample(present, min(len(present), rnd.randint(5, 10)))))
                day += datetime.timedelta(days=rnd.randint(120, 200))

    def _activity(self, plan, team, title, kind, day, hour, minutes, place):
        starts = _aware(day, hour)
        activity = Activity(
            organization=plan["community"],
            team=team,
            title=title,
            kind=kind,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=minutes),
            place=place,
            credited_minutes=minutes,
            beneficiaries=self.random.randint(5, 40),
            description="",
            created_by=plan["recorder"],
        )
        self.activities.append(activity)
        return activity

    def _participate(self, activity, participants, plan):
        rnd = self.random
        day = timezone.localtime(activity.starts_at).date()
        seen = set()
        for member in participants:
            if member[0] in seen:
                continue
            seen.add(member[0])
            sheet = rnd.random() < 0.3  # typed in later from the signed sheet
            recorded = activity.ends_at + (
                datetime.timedelta(days=rnd.randint(1, 4)) if sheet else datetime.timedelta(minutes=rnd.randint(5, 90))
            )
            self.entries.append(
                ServiceEntry(
                    member_id=member[0],
                    organization=plan["community"],
                    activity=activity,
                    served_on=day,
                    minutes=activity.credited_minutes,
                    source=ServiceEntry.Source.SIGN_IN if sheet else ServiceEntry.Source.ACTIVITY,
                    recorded_by=plan["recorder"],
                    recorded_at=min(recorded, self.now),
                )
            )

    def _manual_entries(self, plans):
        """In-service members' own errands for the community, entered by hand now and then."""
        rnd = self.random
        for plan in plans:
            for member in plan["people"]:
                keen = plan["keen"].get(member[0])
                if not keen:
                    continue
                for _ in range(int(keen * 60)):
                    day = self.demo.date_between(max(self.start, member[5]), self.today - datetime.timedelta(days=1))
                    self.entries.append(
                        ServiceEntry(
                            member_id=member[0],
                            organization=plan["community"],
                            served_on=day,
                            minutes=rnd.choice([60, 90, 120]),
                            source=ServiceEntry.Source.MANUAL,
                            recorded_by=plan["recorder"],
                            recorded_at=min(_aware(day, 20), self.now),
                            note=rnd.choice(["周末社区值守", "协助入户走访", "认领岗位：政策宣传", "核酸检测秩序维护"]),
                        )
                    )

    def _corrections(self):
        """About one entry in two hundred was wrong: a shorter stay, or someone who was not there."""
        rnd = self.random
        originals = [entry for entry in self.entries if entry.activity_id and rnd.random() < 0.005]
        corrections = []
        for entry in originals:
            right = 0 if rnd.random() < 0.4 else entry.minutes // 2
            corrections.append(
                ServiceEntry(
                    member_id=entry.member_id,
                    organization_id=entry.organization_id,
                    activity_id=entry.activity_id,
                    served_on=entry.served_on,
                    minutes=right - entry.minutes,
                    corrects=entry,
                    source=entry.source,
                    recorded_by=entry.recorded_by,
                    recorded_at=min(entry.recorded_at + datetime.timedelta(days=rnd.randint(1, 10)), self.now),
                    note="撤销：未参加" if right == 0 else "更正服务时长",
                )
            )
        ServiceEntry.objects.bulk_create(corrections, batch_size=BATCH)

    # -- in-service members ---------------------------------------------------------------------

    def _registrations(self, community, in_service):
        rnd = self.random
        made = []
        for pk, _category, _management, employer, _birth, arrived in in_service:
            employer = employer or rnd.choice(["县人民医院", "县税务局", "县供电公司", "县第一中学"])
            registered = self.demo.date_between(max(arrived, self.start - datetime.timedelta(days=700)), self.start)
            made.append(
                InServiceRegistration(
                    member_id=pk,
                    organization=community,
                    registered_on=registered,
                    employer=employer,
                    employer_party_organization=f"{employer}党委",
                    posts=rnd.sample(
                        ["environment", "safety", "elderly_care", "publicity", "culture"], rnd.randint(1, 2)
                    ),
                    created_by=self.recorders.get(community.pk),
                )
            )
        # One in twenty moved away from the community since: the registration ended.
        for registration in made:
            if rnd.random() < 0.05:
                registration.ended_on = self.demo.date_between(self.start, self.today - datetime.timedelta(days=30))
                registration.end_reason = "工作调动，已到新居住地社区报到"
        InServiceRegistration.objects.bulk_create(made, batch_size=BATCH)
        return made

    # -- resident units -------------------------------------------------------------------------

    def _units(self, index, community, name):
        rnd = self.random
        picked = rnd.sample(UNITS, rnd.randint(3, 5))
        units = [
            ResidentUnit(
                organization=community,
                name=unit_name.format(n=name),
                contact_name=rnd.choice(SURNAMES) + rnd.choice(["主任", "书记", "经理"]),
                contact_phone=f"0591-2{rnd.randrange(10**6, 10**7)}",
                party_organization=party.format(n=name),
                offers=offers,
                offers_note="；".join(OFFER_NOTES[offer] for offer in offers if offer in OFFER_NOTES),
                asks=asks,
            )
            for unit_name, party, offers, asks in picked
        ]
        ResidentUnit.objects.bulk_create(units)
        agreements = []
        for number, unit in enumerate(units):
            starts = self.demo.date_between(
                self.start - datetime.timedelta(days=500), self.today - datetime.timedelta(days=200)
            )
            ends = _years_later(starts, rnd.choice([2, 3])) - datetime.timedelta(days=1)
            if index == 0 and number == 0:
                ends = self.today + datetime.timedelta(days=30)  # due for renewal: on the home page
            agreements.append(
                CoBuildingAgreement(
                    unit=unit,
                    organization=community,
                    title=f"{name}社区与{unit.name}党建共建协议",
                    starts_on=starts,
                    ends_on=ends,
                    content="共享活动场所，联合开展志愿服务，结对帮扶困难群众。",
                )
            )
        CoBuildingAgreement.objects.bulk_create(agreements)
        return units, [(agreement, agreement.unit.name) for agreement in agreements]

    # -- households, pairings and visits --------------------------------------------------------

    def _visits(self, plans, deaths):
        rnd = self.random
        visitors = []
        for plan_index, plan in enumerate(plans):
            households = self._households(plan)
            pairings = self._pairings(plan, households, heavy=plan_index == 0)
            for household in households:  # the Spring Festival visit, every year
                for year in range(self.start.year, self.today.year + 1):
                    day = datetime.date(year, 1, rnd.randint(15, 25))
                    if day <= self.today:
                        visit = self._visit(plan, household=household, reason=CareVisit.Reason.FESTIVAL, day=day)
                        visit.goods, visit.amount = "米、油、春联", Decimal(rnd.choice([200, 300, 500]))
            for pairing in pairings:
                behind = rnd.random() < 0.15  # the helper stopped calling a while ago
                day = pairing.started_on + datetime.timedelta(days=rnd.randint(3, 20))
                stop = self.today - datetime.timedelta(days=pairing.frequency_days * 2 if behind else 0)
                while day <= stop:
                    visit = self._visit(plan, household=pairing.household, reason=CareVisit.Reason.HARDSHIP, day=day)
                    visit.pairing = pairing
                    visit.notes = rnd.choice(
                        ["身体状况良好，帮助打扫卫生", "代购生活用品", "陪同就医", "了解近况，无特殊需求"]
                    )
                    visitors.append((visit, pairing.member_id))
                    day += datetime.timedelta(days=max(7, pairing.frequency_days + rnd.randint(-10, 10)))
            elders = plan["elders"]
            for year in range(self.start.year, self.today.year + 1):
                for _ in range(3):  # members in hospital
                    day = self.demo.date_between(
                        datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), self.today)
                    )
                    member = rnd.choice(elders)
                    visit = self._visit(plan, member_id=member[0], reason=CareVisit.Reason.ILL, day=day)
                    visit.goods, visit.amount = "水果、牛奶", Decimal(300)
                    visit.notes = "住院治疗，精神尚好"
                discontented = self.demo.date_between(
                    datetime.date(year, 1, 1), min(datetime.date(year, 12, 31), self.today)
                )
                visit = self._visit(
                    plan, member_id=rnd.choice(elders)[0], reason=CareVisit.Reason.DISCONTENTED, day=discontented
                )
                visit.notes, visit.sensitive = "对小区物业管理意见较大，情绪激动，已协调物业回复", True
            # A member in hospital last week: the follow-up falls due within days.
            recent = self._visit(
                plan,
                member_id=rnd.choice(elders)[0],
                reason=CareVisit.Reason.ILL,
                day=self.today - datetime.timedelta(days=6),
            )
            recent.notes, recent.follow_up_needed = "术后恢复中，需再次看望", True
            recent.follow_up_due = self.today + datetime.timedelta(days=3)
            visitors.append((recent, plan["teams"][0].leader_id))
        for member, change, plan in deaths:
            visit = self._visit(
                plan,
                member_id=member.pk,
                reason=CareVisit.Reason.DEATH,
                day=change.effective_date + datetime.timedelta(days=2),
            )
            visit.goods, visit.amount = "花圈、慰问金", Decimal(1000)
            visit.notes = "代表社区党组织看望家属，转达慰问"
            visit.death_change = change
        CareVisit.objects.bulk_create(self.visits, batch_size=BATCH)
        CareVisit.visitors.through.objects.bulk_create(
            [
                CareVisit.visitors.through(carevisit_id=visit.pk, member_id=member_id)
                for visit, member_id in visitors
                if member_id
            ],
            batch_size=BATCH,
        )
        for visit in self.visits:
            change = getattr(visit, "death_change", None)
            if change is not None:  # the must-visit the death made due, if anything made it due
                VisitDue.objects.filter(change=change, visit__isnull=True).update(visit=visit)

    def _visit(self, plan, day, reason, member_id=None, household=None):
        visit = CareVisit(
            organization=plan["community"],
            member_id=member_id,
            household=household,
            reason=reason,
            visited_on=day,
            visitor_names=f"{plan['name']}社区书记",
            created_by=plan["recorder"],
        )
        self.visits.append(visit)
        return visit

    def _households(self, plan):
        rnd = self.random
        households = [
            Household(
                organization=plan["community"],
                name=rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
                address=f"{plan['name']}社区{rnd.randint(1, 40)}号楼{rnd.randint(1, 6)}单元"
                f"{rnd.randint(1, 18)}0{rnd.randint(1, 4)}室",
                phone=f"1{rnd.choice('3589')}{rnd.randrange(10**9):09d}",
                kinds=sorted(set(rnd.sample(HOUSEHOLD_KINDS, rnd.randint(1, 2)))),
            )
            for _ in range(rnd.randint(6, 10))
        ]
        Household.objects.bulk_create(households)
        return households

    def _pairings(self, plan, households, heavy):
        """A helper for every household but the last (still waiting for one); in the first community
        one helper has taken on six households, more than anyone should."""
        rnd = self.random
        helpers = plan["elders"]
        pairings = []
        for number, household in enumerate(households[:-1]):
            helper = helpers[0] if heavy and number < 6 else rnd.choice(helpers)
            started = self.demo.date_between(max(self.start, helper[5]), self.today - datetime.timedelta(days=90))
            pairings.append(
                Pairing(
                    member_id=helper[0],
                    household=household,
                    started_on=started,
                    frequency_days=rnd.choice([30, 60, 60, 90]),
                )
            )
        Pairing.objects.bulk_create(pairings)
        return pairings

    # -- deaths ---------------------------------------------------------------------------------

    def _record_deaths(self, communities):
        """A member died twelve days ago in the first community (visited since) and three days ago in
        the second (not yet): recorded through the change log, as a secretary records it."""
        deaths = []
        for community, days_ago in zip(communities, (12, 3), strict=False):
            candidates = (
                Member.objects.current()
                .under(community)
                .filter(category=Category.RETIRED, birth_date__lt=self.today - datetime.timedelta(days=80 * 365))
                .order_by("birth_date", "id")
            )
            on = self.today - datetime.timedelta(days=days_ago)
            for member in candidates[:5]:
                change = MemberChange(
                    member=member,
                    kind=MemberChange.Kind.DEATH,
                    effective_date=on,
                    organization_id=member.organization_id,
                    note="因病逝世",
                )
                try:
                    apply_change(change, self.recorders.get(community.pk))
                except ValidationError:
                    continue  # a history that does not allow it on that day: the next oldest
                if days_ago < 10:
                    break  # not visited yet
                plan = {
                    "community": community,
                    "name": community.name.removesuffix("社区党委"),
                    "recorder": self.recorders.get(community.pk),
                }
                deaths.append((member, change, plan))
                break
        return deaths


def _years_later(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _aware(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))
