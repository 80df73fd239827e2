"""The demo street's organizational life (the demo step registered in councils/portal_parts.py,
after the register's): a theme published for every month, two years of meetings of every branch
and group held on the regulation's schedule with realistic gaps (a fifth of the branches skip one
general meeting, the odd month goes without a committee meeting or a group meeting), each with its
frozen attendance list, some decisions followed up as tasks, and last year's democratic appraisal.

Everything is planned in memory and written in bulk. Each meeting's list is taken from the register
as it stood in the middle of its month (the members' change log read once), members' standing and
vote as they were then; members who have since left the street are not on old lists.
"""

import bisect
import datetime
import itertools
import random
from collections import defaultdict

from django.db import connection
from django.utils import timezone

from councils.models import (
    Appraisal,
    AppraisalRound,
    Attendance,
    Decision,
    FollowUpTask,
    Meeting,
    MeetingKind,
    MonthlyTheme,
    may_vote,
)
from members.models import RELATIONSHIP_HERE, MemberChange, Standing, Status
from organizations.models import Role, TreeAsOf

K = MeetingKind
THEMES = [
    ("学习贯彻党的二十大精神", "党的二十大报告第一部分、第十五部分；《习近平谈治国理政》第四卷相关篇目。"),
    ("重温入党誓词，践行初心使命", "《中国共产党章程》总纲；入党誓词。"),
    ("学雷锋志愿服务进楼栋", "《关于推进新时代文明实践的意见》；各楼栋志愿服务需求清单。"),
    ("清明祭英烈", "革命烈士事迹选读；社区周边红色资源简介。"),
    ("党员联系服务群众", "《中国共产党支部工作条例（试行）》第九条。"),
    ("庆祝建党百年回顾", "《中国共产党简史》相关章节。"),
    ("庆“七一”·讲党课", "支部书记讲党课提纲；优秀党员事迹。"),
    ("国防教育与双拥共建", "《中华人民共和国国防教育法》；辖区优抚对象名单（内部）。"),
    ("垃圾分类我先行", "《生活垃圾分类管理条例》；楼道分类督导排班表。"),
    ("迎国庆·颂党恩", "新中国成立以来的伟大成就专题材料。"),
    ("学习党纪，严守规矩", "《中国共产党纪律处分条例》第一编。"),
    ("年终总结与民主评议准备", "《关于党员民主评议工作的通知》；党员自评表。"),
]
TOPICS = {
    K.GENERAL: [
        "讨论通过支部年度工作计划",
        "发展党员及预备党员转正讨论",
        "通报季度党费收缴情况",
        "讨论楼道环境整治方案",
    ],
    K.COMMITTEE: ["研究本月主题党日安排", "研究困难党员走访慰问名单", "研究发展对象培养考察情况", "研究楼栋议事事项"],
    K.GROUP: ["学习上级文件精神", "交流楼道服务情况", "收集居民意见建议", "安排党员联系户"],
    K.LESSON: ["党的优良传统和作风", "新时代党员的责任与担当", "党章学习专题党课", "从党史中汲取奋进力量"],
    K.LIFE_MEETING: ["年度组织生活会：对照检查、批评与自我批评"],
    K.APPRAISAL: ["民主评议党员：个人自评、党员互评、民主测评"],
}
DECISIONS = [
    ("同意楼道环境整治方案", "组织党员清理楼道杂物，张贴文明公约"),
    ("同意开展困难党员结对帮扶", "落实帮扶党员，每月上门一次"),
    ("同意增设楼栋党员先锋岗", "确定先锋岗人员并公示"),
    ("同意组织党员参加社区义诊志愿服务", "排定志愿服务班次"),
]
PLACES = ["社区党群服务中心", "楼栋党员活动室", "社区会议室", "红色驿站"]
LEAVE_REASONS = ["外出探亲", "身体不适", "工作冲突", "住院治疗", "照顾家人"]
COMMITTEE_SIZE = 5
PRESENT, LEAVE, ABSENT = (status.value for status in Attendance.Status)
ATTENDANCE_BATCH = 1000  # rows per INSERT: 9000 parameters, well below SQLite's limit
GRADE_WEIGHTS = [22, 75, 3]  # excellent, qualified, basically qualified
LATE_SHARE, LOCKED_SHARE = 0.07, 0.8
GENERAL_SKIPPERS = 0.2  # branches that skip one general meeting
MISS = {K.COMMITTEE: 0.04, K.THEME_DAY: 0.05, K.GROUP: 0.07, K.LESSON: 0.08}


def _month_start(year, month):
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return datetime.date(year, month, 1)


def _month_end(day):
    return _month_start(day.year, day.month + 1) - datetime.timedelta(days=1)


class Register:
    """Who was on the register, where, with which vote, in the middle of each month (from the log)."""

    def __init__(self, months):
        self.months = months
        self.middles = [month.replace(day=15) for month in months]
        self.trees = TreeAsOf.series(self.middles)
        entries = (
            MemberChange.objects.valid()
            .order_by("member_id", "effective_date", "id")
            .values_list("member_id", "effective_date", "organization_id", "status", "management_type", "standing")
        )
        timelines = defaultdict(list)
        for member_id, day, org_id, status, mtype, standing in entries.iterator(chunk_size=5000):
            timelines[member_id].append((day, org_id, status, mtype, standing))
        # {(month index, organization id): [(member id, status, management type)]}
        self.rosters = defaultdict(list)
        for member_id, timeline in timelines.items():
            days = [entry[0] for entry in timeline]
            for index, middle in enumerate(self.middles):
                at = bisect.bisect_right(days, middle) - 1
                if at < 0:
                    continue
                _day, org_id, status, mtype, standing = timeline[at]
                if standing == Standing.ACTIVE:
                    self.rosters[index, org_id].append((member_id, status, mtype))

    def of(self, day, organization):
        """The register of ``organization``'s subtree in the middle of ``day``'s month, the tree as it
        stood then (a group moved to another branch since brings its members only from its move)."""
        index = self.months.index(day.replace(day=1))
        subtree = self.trees[self.middles[index]].subtree_ids(organization.pk)
        return [row for org_id in subtree for row in self.rosters.get((index, org_id), ())]


class CouncilBuilder:
    """Plans and writes the meetings of ``demo.communities`` (left by the tree's step)."""

    def __init__(self, demo):
        # A generator of its own: the meetings do not change when a step before draws more numbers.
        self.demo, self.random, self.today = demo, random.Random(f"{demo.seed}-councils"), demo.today
        self.start = datetime.date(self.today.year - 1, 1, 1)
        self.months = []
        month = self.start
        while month <= self.today:
            self.months.append(month)
            month = _month_start(month.year, month.month + 1)
        self.now = timezone.now()
        self.meetings, self.lists, self.decisions, self.tasks, self.appraisals = [], [], [], [], []

    def build(self):
        roles = {
            role.organization_id: role.user
            for role in Role.objects.filter(kind__in=[Role.Kind.COMMUNITY_SECRETARY, Role.Kind.STREET_STAFF])
        }
        self.themes = self._themes(roles.get(self.demo.street.pk))
        self.register = Register(self.months)
        for community, branches, groups in self.demo.communities:
            recorder = roles.get(community.pk)
            for branch in branches:
                own_groups = [group for group in groups if group.path.startswith(branch.path)]
                self._plan_branch(branch, own_groups, recorder)
        self._write()
        return len(self.meetings)

    # -- themes ---------------------------------------------------------------------------------

    def _themes(self, publisher):
        themes = [
            MonthlyTheme(
                organization=self.demo.street,
                month=month,
                title=THEMES[month.month - 1][0],
                materials=THEMES[month.month - 1][1],
                report_by=month.replace(day=28),
                published_by=publisher,
                published_at=timezone.make_aware(datetime.datetime.combine(month, datetime.time(9))),
            )
            for month in self.months
        ]
        MonthlyTheme.objects.bulk_create(themes)
        return {theme.month: theme for theme in themes}

    # -- planning -------------------------------------------------------------------------------

    def _plan_branch(self, branch, groups, recorder):
        rnd = self.random
        theme_day = rnd.randint(5, 22)  # 相对固定1天
        quarters = [month for month in self.months if month.month % 3 == 1]
        ended = [q for q in quarters if _month_end(_month_start(q.year, q.month + 2)) < self.today]
        skipped = rnd.choice(ended) if ended and rnd.random() < GENERAL_SKIPPERS else None
        for month in self.months:
            end = _month_end(month)
            if branch.has_committee and rnd.random() >= MISS[K.COMMITTEE]:
                self._plan(branch, K.COMMITTEE, self._day_in(month, end), recorder)
            if rnd.random() >= MISS[K.THEME_DAY]:
                day = month.replace(day=min(theme_day + rnd.randint(-2, 2), end.day))
                self._plan(branch, K.THEME_DAY, day, recorder, theme=self.themes.get(month))
            for group in groups:
                if rnd.random() >= MISS[K.GROUP]:
                    self._plan(group, K.GROUP, self._day_in(month, end), recorder)
            if month in quarters:
                quarter_end = _month_end(_month_start(month.year, month.month + 2))
                if month != skipped:
                    self._plan(branch, K.GENERAL, self._day_in(month, quarter_end), recorder)
                if rnd.random() >= MISS[K.LESSON]:
                    self._plan(branch, K.LESSON, self._day_in(month, quarter_end), recorder)
            if month.month == 11:
                self._plan(branch, K.LIFE_MEETING, self._day_in(month, end), recorder)
            if month.month == 12:
                self._plan(branch, K.APPRAISAL, self._day_in(month, end), recorder, appraisal=True)

    def _day_in(self, first, last):
        return first + datetime.timedelta(days=self.random.randint(0, (last - first).days))

    def _plan(self, org, kind, day, recorder, theme=None, appraisal=False):
        """A meeting on ``day``: held with its list if the day has come, else planned."""
        rnd = self.random
        meeting = Meeting(
            organization=org,
            kind=kind,
            title=theme.title if theme else "",
            place=rnd.choice(PLACES),
            topics=rnd.choice(TOPICS.get(kind, [theme.title if theme else ""])),
            theme=theme,
            created_by=recorder,
        )
        if day > self.today:
            meeting.planned_on = day
            self.meetings.append(meeting)
            return
        meeting.planned_on = meeting.held_on = meeting.expected_on = day
        roster = self.register.of(day, org)
        if kind == K.COMMITTEE:
            roster = [row for row in roster if may_vote(row[1], row[2])][:COMMITTEE_SIZE]
        rows = []  # (member id, may vote, status, leave reason)
        for member_id, status, mtype in roster:
            mark = rnd.random()
            if mark < 0.86:
                rows.append((member_id, may_vote(status, mtype), PRESENT, ""))
            elif mark < 0.94:
                rows.append((member_id, may_vote(status, mtype), LEAVE, rnd.choice(LEAVE_REASONS)))
            else:
                rows.append((member_id, may_vote(status, mtype), ABSENT, ""))
        voters = [member_id for member_id, voting, _status, _reason in rows if voting]
        if voters:
            meeting.host_id = voters[0]
            meeting.recorder_id = voters[-1]
        if kind == K.LESSON and voters:
            meeting.lecturer_id = voters[0]
        meeting.minutes = f"{meeting.topics}。与会党员逐一发言，会议形成一致意见。"
        delay = rnd.randint(8, 25) if rnd.random() < LATE_SHARE else rnd.randint(0, 3)
        entered = timezone.make_aware(datetime.datetime.combine(day, datetime.time(20))) + datetime.timedelta(
            days=delay
        )
        meeting.entered_at = min(entered, self.now)
        meeting.entered_late = (timezone.localdate(meeting.entered_at) - day).days > 7
        if (self.today - day).days > 30 and rnd.random() < LOCKED_SHARE:
            meeting.locked_at = min(meeting.entered_at + datetime.timedelta(days=3), self.now)
            meeting.locked_by = recorder
        self.meetings.append(meeting)
        self.lists.append((meeting, rows))
        if kind == K.GENERAL and rnd.random() < 0.4:
            self._decide(meeting, rows)
        if appraisal and day.year == self.today.year - 1:
            self.appraisals.append((meeting, roster))

    def _decide(self, meeting, rows):
        entitled = [row for row in rows if row[1]]
        present = [row for row in entitled if row[2] == PRESENT]
        if not entitled or len(present) * 2 <= len(entitled):
            return  # an inquorate meeting decides nothing
        text, task = self.random.choice(DECISIONS)
        against = self.random.randint(0, 1) if len(present) > 3 else 0
        decision = Decision(
            meeting=meeting,
            text=text,
            votes_for=len(present) - against,
            votes_against=against,
            recorded_by=meeting.created_by,
            recorded_at=meeting.entered_at,
        )
        self.decisions.append(decision)
        if self.random.random() < 0.6:
            due = meeting.held_on + datetime.timedelta(days=self.random.randint(20, 75))
            done = None
            if due < self.today and self.random.random() < 0.85:
                done = max(meeting.held_on, due - datetime.timedelta(days=self.random.randint(0, 15)))
            elif due >= self.today and self.random.random() < 0.3:
                done = min(self.today, meeting.held_on + datetime.timedelta(days=self.random.randint(1, 20)))
            self.tasks.append(
                FollowUpTask(
                    meeting=meeting,
                    decision=decision,
                    text=task,
                    due_on=due,
                    done_on=done,
                    done_note="已按期完成" if done else "",
                    responsible_id=meeting.host_id,
                    created_by=meeting.created_by,
                )
            )

    # -- writing --------------------------------------------------------------------------------

    def _write(self):
        Meeting.objects.bulk_create(self.meetings, batch_size=2000)
        self._write_attendance()
        Decision.objects.bulk_create(self.decisions, batch_size=2000)
        FollowUpTask.objects.bulk_create(self.tasks, batch_size=2000)
        self._write_appraisals()

    def _write_attendance(self):
        """The frozen lists: over a million rows at district scale (ten million at ten times), so
        streamed with PostgreSQL's COPY, or written as plain multi-row INSERTs on SQLite
        (``bulk_create`` spends most of a minute preparing each field of each row, and a client-side
        INSERT of thousands of parameters most of its time in the driver's parsing of the query)."""
        marked_at = connection.ops.adapt_datetimefield_value(self.now)
        table = connection.ops.quote_name(Attendance._meta.db_table)
        columns = [
            "meeting_id",
            "member_id",
            "name",
            "note",
            "expected",
            "voting",
            "status",
            "leave_reason",
            "marked_at",
        ]
        rows = (
            (meeting.pk, member_id, "", "", True, voting, status, reason, marked_at)
            for meeting, marks in self.lists
            for member_id, voting, status, reason in marks
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({','.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            while chunk := list(itertools.islice(rows, ATTENDANCE_BATCH)):
                values = ",".join(["(" + ",".join(["%s"] * len(columns)) + ")"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({','.join(columns)}) VALUES {values}",  # noqa: S608 (no user input)
                    [value for row in chunk for value in row],
                )

    def _write_appraisals(self):
        rounds, rows = [], []
        grades = [Appraisal.Grade.EXCELLENT, Appraisal.Grade.QUALIFIED, Appraisal.Grade.BASICALLY_QUALIFIED]
        for meeting, roster in self.appraisals:
            appraisal_round = AppraisalRound(
                organization=meeting.organization,
                year=meeting.held_on.year,
                meeting=meeting,
                created_by=meeting.created_by,
            )
            rounds.append(appraisal_round)
            here = [(member_id, status) for member_id, status, mtype in roster if mtype in RELATIONSHIP_HERE]
            graded = sum(status != Status.PROBATIONARY for _m, status in here)
            excellent = 0
            for member_id, status in here:
                grade = ""
                if status != Status.PROBATIONARY:
                    grade = self.random.choices(grades, GRADE_WEIGHTS)[0]
                    if grade == Appraisal.Grade.EXCELLENT and (excellent + 1) * 3 > graded:
                        grade = Appraisal.Grade.QUALIFIED  # no more than a third excellent
                    excellent += grade == Appraisal.Grade.EXCELLENT
                rows.append(
                    Appraisal(
                        round=appraisal_round,
                        member_id=member_id,
                        probationary=status == Status.PROBATIONARY,
                        self_assessment="对照合格党员标准，认真履行党员义务。" if grade else "",
                        peer_summary="党员互评意见较好。" if grade else "",
                        grade=grade,
                    )
                )
        AppraisalRound.objects.bulk_create(rounds, batch_size=2000)
        Appraisal.objects.bulk_create(rows, batch_size=5000)


def build_councils(demo):
    demo.meetings_built = CouncilBuilder(demo).build()


def describe_councils(demo):
    count = getattr(demo, "meetings_built", None)
    return f"{Meeting.objects.count() if count is None else count} 次会议"
