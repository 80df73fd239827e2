"""The demo street's Party-member councils (the demo step registered in councils/portal_parts.py, after
the register and the services).

Every community gets a council with members of its register and a resident unit's representative,
two council meetings, and items in every step (one stuck in drafting, one with a task past its due
date, one out for comment now). The first community also gets the worked example of DOMAIN.md,
"莫让社区变农庄", finished with its real dates: the council met on 26 March, the residents approved
the plan, it was carried out step by step. Every step is taken through ``AgendaItem.advance`` and
every meeting through ``CouncilMeeting.convene``: the demo is a record the portal itself could have
made.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from councils.models import (
    AgendaEntry,
    AgendaItem,
    Attendance,
    Comment,
    ConsultationOutcome,
    Council,
    CouncilMeeting,
    CouncilMember,
    ImplementationTask,
    Meeting,
    ProgressNote,
    Step,
)
from members.demo import GIVEN, SURNAMES
from members.models import Category, ManagementType, Member
from organizations.models import Role
from services.models import ResidentUnit

DAY = datetime.timedelta(days=1)
FARM_TITLE = "莫让社区变农庄"
FARM_PROBLEM = (
    "小区公共绿地被部分居民开垦种菜，有的还浇粪施肥，气味难闻、招来蚊蝇；多位居民到党员服务站反映，希望恢复绿地。"
)
FARM_DRAFT = "清除公共绿地上的蔬菜，恢复绿化；由党员带头，分片清理。"
FARM_RESOLUTION = (
    "一、除食用菊花外，清除公共绿地上的全部蔬菜；二、绿地内一律不得施肥；三、分步清理，不搞一刀切；"
    "四、党员家庭率先清除自家种植的蔬菜；五、鼓励居民在清理后的绿地种花。"
)
FARM_MINUTES = (
    "秘书长介绍居民反映的情况和议案草案。讨论中，有成员提出全部铲除会使黄土裸露、刮风起尘，"
    "且食用菊花既可观赏又可食用，建议保留；多数成员赞成分步清理、党员带头。会议表决通过决议。"
)
FARM_PUBLIC = (
    "为恢复小区公共绿地，经社区党员议事会讨论，拟定方案如下：\n"
    "一、除食用菊花外，清除公共绿地上种植的全部蔬菜；\n"
    "二、绿地内一律不得施肥；\n"
    "三、分片分步清理，给种植户留出收获时间；\n"
    "四、党员家庭率先清除；\n"
    "五、鼓励居民在清理后的绿地种花，社区提供花苗。\n"
    "欢迎居民在征求意见期内提出意见和建议。"
)
FARM_COMMENTS = [
    ("3号楼居民", "支持！菜地施肥味道太大了，夏天根本不敢开窗。", Comment.Status.SHOWN, ""),
    ("", "菊花可以留着，开花也好看，同意分步清理。", Comment.Status.SHOWN, ""),
    ("一位老住户", "希望社区提供花苗，大家一起种花。", Comment.Status.SHOWN, ""),
    ("", "某某家种得最多，应该先铲他家的！", Comment.Status.HIDDEN, "针对具体住户的指责，不予公开。"),
]
FARM_RESULT = "公共绿地上除食用菊花外的蔬菜已全部清除，未再发现施肥；党员家庭率先清除，补种了月季、太阳花等花卉。"

# (title, problem, source, draft, public plan, tasks)
ITEMS = [
    (
        "楼道堆物清理",
        "多个楼道堆放旧家具、纸箱，影响通行，存在消防隐患。",
        AgendaItem.Source.RESIDENTS,
        "由楼栋党支部牵头，分楼栋清理楼道堆物，建立楼道长巡查制度。",
        "拟分楼栋清理楼道堆放物品，确有用处的物品统一登记暂存；此后由楼道长每周巡查。",
        [("通知各楼栋住户自行清理", 10), ("清运无人认领的堆物", 25)],
    ),
    (
        "增设电动车集中充电桩",
        "居民私拉电线给电动车充电，夜间在楼道充电，火灾风险大。",
        AgendaItem.Source.STATION,
        "在小区空地增设集中充电桩，禁止楼道充电。",
        "拟在小区东门空地增设电动自行车集中充电桩二十个，按次收费，同时禁止在楼道内充电。",
        [("与供电所商定线路改造", 15), ("安装充电桩并试运行", 40)],
    ),
    (
        "小区停车秩序整治",
        "夜间车辆乱停，消防通道经常被占。",
        AgendaItem.Source.COUNCIL_MEMBER,
        "施划停车位，消防通道设置禁停标志，由党员志愿者劝导。",
        "拟重新施划停车位并在消防通道设置禁停标志；党员志愿者在晚间高峰时段劝导文明停车。",
        [("施划停车位和禁停标志", 20), ("组织党员志愿者晚间劝导", 45)],
    ),
    (
        "垃圾分类投放点调整",
        "现有投放点离部分楼栋太远，垃圾桶旁常有散落垃圾。",
        AgendaItem.Source.VISIT,
        "按楼栋分布调整投放点位置，设定时投放时段。",
        "拟将投放点由两处调整为三处，实行早晚定时投放，并由志愿者现场指导分类。",
        [("确定新投放点位置", 10), ("设置投放点并公布时段", 30)],
    ),
    (
        "背街小巷路灯维修",
        "小区西侧小巷路灯损坏多时，老人夜间出行不便。",
        AgendaItem.Source.THEME_DAY,
        "联系驻区单位协助维修路灯，纳入日常巡查。",
        "拟请驻区单位协助更换西侧小巷损坏的路灯，此后纳入网格员日常巡查。",
        [("排查损坏路灯", 7), ("更换灯具", 20)],
    ),
    (
        "老年食堂选址",
        "独居老人吃饭难，希望社区开办老年助餐点。",
        AgendaItem.Source.RESIDENTS,
        "利用党群服务中心一楼开办老年助餐点。",
        "拟在党群服务中心一楼开办老年助餐点，午餐供应，七十岁以上老人优惠。",
        [("改造一楼厨房和餐厅", 30), ("招募助餐志愿者", 40)],
    ),
    (
        "宠物犬文明饲养公约",
        "遛狗不牵绳、粪便不清理，居民意见较多。",
        AgendaItem.Source.RESIDENTS,
        "制定小区文明养犬公约，党员带头遵守。",
        "拟制定小区文明养犬公约：出门牵绳、及时清理粪便、不在楼道遛狗，党员带头遵守。",
        [("起草公约并张贴", 10)],
    ),
]
COMMENTS = [
    ("", "赞成，希望尽快落实。", Comment.Status.SHOWN),
    ("5号楼居民", "建议把时间安排在周末，方便上班的人参加。", Comment.Status.PENDING),
    ("", "同意这个方案。", Comment.Status.PENDING),
]
UNITS = [("县供电公司城关供电所", "县供电公司城关供电所党支部"), ("县第一中学", "县第一中学党总支")]


@dataclass
class Place:
    community: object
    council: Council
    by: object  # the community secretary's account, if any
    seats: list
    units: list


class CouncilBuilder:
    def __init__(self, demo):
        self.demo, self.random, self.today = demo, demo.random, demo.today
        self.secretaries = {
            role.organization_id: role.user for role in Role.objects.filter(kind=Role.Kind.COMMUNITY_SECRETARY)
        }
        # Where a community has no secretary's account, the street's staff record its council.
        street_staff = Role.objects.filter(kind=Role.Kind.STREET_STAFF).select_related("user").first()
        self.fallback = street_staff.user if street_staff else None
        self.items = 0

    def build(self):
        for index, (community, _branches, _groups) in enumerate(self.demo.communities):
            place = self._council(community)
            if place is None:
                continue
            if index == 0:
                self._farm(place)
            self._items(place, index)

    # -- councils ---------------------------------------------------------------------------------

    def _council(self, community):
        established = self.demo.history_start
        council = Council.objects.create(
            organization=community,
            name=f"{community.name.removesuffix('党委')}党员议事会",
            established_on=established,
        )
        units = list(ResidentUnit.objects.filter(organization=community).order_by("id")[:2])
        for name, party in UNITS[len(units) :]:
            units.append(ResidentUnit.objects.create(organization=community, name=name, party_organization=party))
        people = list(Member.objects.current().under(community).order_by("id")[:400])
        if len(people) < 6:
            return None
        chosen, seats = set(), []
        role, whom = CouncilMember.Role, CouncilMember.Constituency
        wanted = [
            (role.CHAIR, whom.SELF_MANAGED, lambda m: m.category == Category.RETIRED),
            (role.SECRETARY_GENERAL, whom.LEADERSHIP, lambda m: True),
            (role.MEMBER, whom.IN_SERVICE, lambda m: m.category == Category.IN_SERVICE),
            (role.MEMBER, whom.MOBILE, lambda m: m.management_type == ManagementType.MOBILE_IN),
            (role.MEMBER, whom.HARDSHIP, lambda m: m.category == Category.LAID_OFF),
            (role.MEMBER, whom.SELF_MANAGED, lambda m: True),
        ]
        for seat_role, constituency, fits in wanted:
            candidates = [m for m in people if m.pk not in chosen and fits(m)] or [
                m for m in people if m.pk not in chosen
            ]
            member = self.random.choice(candidates)
            chosen.add(member.pk)
            seats.append(
                CouncilMember.objects.create(
                    council=council,
                    member=member,
                    role=seat_role,
                    constituency=constituency,
                    joined_on=established,
                )
            )
        representative = self.random.choice(SURNAMES) + "".join(self.random.choice(GIVEN) for _ in range(2))
        seats.append(
            CouncilMember.objects.create(
                council=council,
                unit=units[0],
                name=representative,
                role=CouncilMember.Role.MEMBER,
                constituency=CouncilMember.Constituency.RESIDENT_UNIT,
                joined_on=established,
            )
        )
        return Place(community, council, self.secretaries.get(community.pk, self.fallback), seats, units)

    def _meeting(self, place, day, title, topics="", minutes=""):
        meeting = CouncilMeeting.convene(
            place.council,
            Meeting(
                held_on=day, title=title, place="社区党群服务中心", topics=topics, minutes=minutes, created_by=place.by
            ),
        )
        rows = list(meeting.attendances.all())
        for index, row in enumerate(rows):
            if index == len(rows) - 1 and len(rows) > 3:
                meeting.mark(row.member, Attendance.Status.LEAVE, leave_reason="外出", row=row)
            else:
                meeting.mark(row.member, Attendance.Status.PRESENT, row=row)
        return meeting

    @staticmethod
    def _votes(meeting):
        """Everyone entitled and present votes for it, but one abstains where the rest still carry it
        (more than half of those entitled): a council of four with one on leave has no vote to spare."""
        quorum = meeting.quorum()
        if quorum.entitled_present - 1 > quorum.entitled / 2:
            return quorum.entitled_present - 1, 0, 1
        return quorum.entitled_present, 0, 0

    # -- one item through its steps ---------------------------------------------------------------

    def _raise(self, place, title, problem, source, on):
        item = AgendaItem(organization=place.community, title=title, problem=problem, source=source, raised_on=on)
        self.items += 1
        return AgendaItem.raise_item(item, place.by)

    def _draft(self, place, item, text, on):
        item.advance(Step.DRAFT, by=place.by, on=on, draft=text, council=place.council)

    def _adopt(self, place, item, meeting, text):
        entry = AgendaEntry.add(meeting, item, place.by)
        entry.adopt(place.by, text, *self._votes(meeting))
        item.refresh_from_db()

    def _consult(self, place, item, title, text, on, until, comments=()):
        item.advance(Step.CONSULT, by=place.by, on=on, public_title=title, public_text=text, consult_until=until)
        for offset, (name, body, status, *reason) in enumerate(comments):
            comment = Comment(item=item, name=name, body=body, submitted_at=_at(on + DAY * min(offset + 1, 5)))
            comment.full_clean()
            comment.save()
            if status == Comment.Status.SHOWN:
                comment.moderate("show", place.by)
            elif status == Comment.Status.HIDDEN:
                comment.moderate("hide", place.by, reason[0])

    def _approve(self, place, item, on, votes=None):
        outcome = ConsultationOutcome(
            result=ConsultationOutcome.Result.APPROVED,
            decided_on=on,
            summary="居民普遍赞成方案，少数意见已作解释。",
        )
        if votes:
            outcome.paper_vote = True
            outcome.votes_for, outcome.votes_against, outcome.votes_abstain = votes
        item.record_consultation(outcome, place.by)

    def _implement(self, place, item, on):
        members = [seat.member for seat in place.seats if seat.member_id][:2]
        item.advance(Step.IMPLEMENT, by=place.by, on=on, by_station=True, members=members, units=place.units[:1])

    def _task(self, place, item, text, due, done=None, note=""):
        task = ImplementationTask(
            item=item, text=text, responsible="党员服务站", due_on=due, done_on=done, done_note=note
        )
        task.created_by = place.by
        task.full_clean()
        task.save()

    def _progress(self, place, item, on, percent, text):
        note = ProgressNote(item=item, on=on, percent=percent, text=text, recorded_by=place.by)
        note.full_clean()
        note.save()

    # -- the worked example -----------------------------------------------------------------------

    def _farm(self, place):
        year = self.today.year if self.today >= datetime.date(self.today.year, 5, 31) else self.today.year - 1
        d = lambda month, day: datetime.date(year, month, day)  # noqa: E731
        item = self._raise(place, FARM_TITLE, FARM_PROBLEM, AgendaItem.Source.STATION, d(3, 5))
        item.source_detail = "党员服务站接待居民反映"
        item.save(update_fields=["source_detail"])
        self._draft(place, item, FARM_DRAFT, d(3, 18))
        meeting = self._meeting(place, d(3, 26), f"“{FARM_TITLE}”议事会", topics=FARM_TITLE, minutes=FARM_MINUTES)
        self._adopt(place, item, meeting, FARM_RESOLUTION)
        if place.by is not None:
            meeting.lock(place.by)
        self._consult(place, item, f"{FARM_TITLE}——公共绿地种菜清理方案", FARM_PUBLIC, d(3, 27), d(4, 5), FARM_COMMENTS)
        self._approve(place, item, d(4, 6), votes=(46, 3, 2))
        self._implement(place, item, d(4, 8))
        self._task(place, item, "党员家庭率先清除自家种植的蔬菜", d(4, 15), d(4, 12), "全部清除")
        self._task(place, item, "分片逐步清理其余绿地（保留食用菊花）", d(4, 30), d(4, 28), "已清理")
        self._task(place, item, "组织居民补种花卉", d(5, 15), d(5, 10), "补种月季、太阳花")
        self._progress(place, item, d(4, 12), 30, "党员家庭已率先清除自家种植的蔬菜。")
        self._progress(place, item, d(4, 28), 80, "其余绿地已分片清理完毕，保留了食用菊花。")
        self._progress(place, item, d(5, 10), 100, "居民在清理后的绿地补种了月季、太阳花等花卉。")
        item.advance(Step.DONE, by=place.by, on=d(5, 12), result=FARM_RESULT, public_result=FARM_RESULT)

    # -- items in every step ----------------------------------------------------------------------

    def _items(self, place, index):
        today = self.today
        pool = ITEMS[index % len(ITEMS) :] + ITEMS[: index % len(ITEMS)]
        old, recent = today - 150 * DAY, today - 25 * DAY
        old_meeting = self._meeting(place, old, "党员议事会会议")
        # Carried out and done: adopted by the older meeting.
        done = self._through_consultation(place, pool[0], old_meeting, old - 30 * DAY)
        doing = self._through_consultation(place, pool[1], old_meeting, old - 25 * DAY)
        rejected = self._raise(place, pool[6][0], pool[6][1], pool[6][2], old - 20 * DAY)
        self._draft(place, rejected, pool[6][3], old - 10 * DAY)
        AgendaEntry.add(old_meeting, rejected, place.by).conclude(
            place.by, AgendaEntry.Outcome.REJECTED, "已有物业管理规约，不另行制定。"
        )
        if place.by is not None:
            old_meeting.lock(place.by)
        for item, spec in ((done, pool[0]), (doing, pool[1])):
            self._approve(place, item, old + 12 * DAY)
            self._implement(place, item, old + 14 * DAY)
            for number, (text, days) in enumerate(spec[5]):
                due = old + (14 + days) * DAY
                finished = item is done or number == 0
                self._task(place, item, text, due, due - DAY if finished else None, "已完成" if finished else "")
        self._progress(place, done, old + 40 * DAY, 100, "各项任务已完成。")
        done.advance(Step.DONE, by=place.by, on=old + 50 * DAY, result="已按方案办结。", public_result="已按方案办结。")
        self._progress(place, doing, old + 30 * DAY, 40, "第一阶段工作已完成，正在推进第二阶段。")
        # Adopted by the recent meeting: one waits for its public plan, one is out for comment now.
        adopted = self._drafted(place, pool[2], recent - 40 * DAY)
        consulting = self._drafted(place, pool[3], recent - 35 * DAY)
        meeting = self._meeting(place, recent, "党员议事会会议")
        self._adopt(place, adopted, meeting, pool[2][3])
        self._adopt(place, consulting, meeting, pool[3][3])
        if place.by is not None:
            meeting.lock(place.by)
        self._consult(
            place, consulting, consulting.title, pool[3][4], recent + DAY, max(today + 10 * DAY, recent + DAY), COMMENTS
        )
        # Still being drafted (stuck there for weeks), just raised, and one withdrawn.
        self._drafted(place, pool[4], today - 70 * DAY)
        self._raise(place, pool[5][0], pool[5][1], pool[5][2], today - 5 * DAY)
        withdrawn = self._raise(
            place, "小区门口占道经营", "早市摊贩占道经营。", AgendaItem.Source.RESIDENTS, today - 60 * DAY
        )
        withdrawn.advance(Step.WITHDRAWN, by=place.by, on=today - 50 * DAY, reason="已移交城管部门处理。")

    def _drafted(self, place, spec, raised):
        item = self._raise(place, spec[0], spec[1], spec[2], raised)
        self._draft(place, item, spec[3], raised + 10 * DAY)
        return item

    def _through_consultation(self, place, spec, meeting, raised):
        item = self._drafted(place, spec, raised)
        self._adopt(place, item, meeting, spec[3])
        day = meeting.held_on + DAY
        self._consult(place, item, item.title, spec[4], day, day + 7 * DAY, COMMENTS[:1])
        return item


def _at(day):
    """Half past seven in the evening of ``day``, the portal's time (when residents write)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(19, 30)))


def build(demo):
    builder = CouncilBuilder(demo)
    builder.build()
    demo.council_items = builder.items


def describe(demo):
    count = getattr(demo, "council_items", None)
    return f"{AgendaItem.objects.count() if count is None else count} 项议事议题"
