"""Ledgers (台账) of the Party-member council as print-ready xlsx: the agenda items raised in a period
under an organization with the date of every step they took, and the resolutions of the council
meetings held in a period."""

from collections import defaultdict

from django.db.models import Max, Q
from django.utils.translation import gettext as _

from councils.models import (
    OPEN_STEPS,
    AgendaItem,
    AgendaStep,
    ConsultationOutcome,
    ProgressNote,
    Resolution,
    Step,
)
from organizations.models import Organization
from portal.exports import XlsxExport

STEP_COLUMNS = (Step.RAISE, Step.DRAFT, Step.ADOPT, Step.CONSULT, Step.IMPLEMENT, Step.DONE)


def _items(organization, start, end):
    """Items dealt with in the period: raised by its end, and open at its start or moved since."""
    return AgendaItem.objects.filter(
        Q(step_on__gte=start) | Q(step__in=OPEN_STEPS),
        organization__in=Organization.objects.under(organization).values("pk"),
        raised_on__lte=end,
    )


class _PeriodExport(XlsxExport):
    def __init__(self, organization, start, end):
        self.organization, self.start, self.end = organization, start, end

    def subtitle(self):
        return f"填报单位：{self.organization.name}　期间：{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


class AgendaItemLedgerExport(_PeriodExport):
    """议题台账: every item dealt with in the period (see ``_items``), its source, the date of each
    step, its resolution, the residents' verdict, who carried it out, its progress and how it ended."""

    columns = [
        ("社区", 18),
        ("议题", 28),
        ("问题来源", 12),
        *[(f"{step.label}日期", 11) for step in STEP_COLUMNS],
        ("决议文号", 14),
        ("居民评议", 12),
        ("实施主体", 24),
        ("进度", 7),
        ("当前环节", 9),
        ("撤回或否决原因", 24),
        ("办理结果", 30),
    ]

    def __init__(self, organization, start, end):
        super().__init__(organization, start, end)
        self.title = f"{organization.name}议题台账"

    def rows(self):
        items = _items(self.organization, self.start, self.end)
        ids = items.values("pk")
        steps = defaultdict(dict)
        for item_id, step, on, reason in AgendaStep.objects.filter(item__in=ids).values_list(
            "item_id", "step", "on", "reason"
        ):
            steps[item_id][step] = (on, reason)
        numbers = {
            item_id: Resolution.number_of(year, sequence)
            for item_id, year, sequence in Resolution.objects.filter(item__in=ids).values_list(
                "item_id", "year", "sequence"
            )
        }
        results = dict(ConsultationOutcome.Result.choices)
        verdicts = dict(ConsultationOutcome.objects.filter(item__in=ids).values_list("item_id", "result"))
        progress = self._progress(ids)
        implementers = self._implementers(items)
        sources, labels = dict(AgendaItem.Source.choices), dict(Step.choices)
        rows = items.select_related("organization").order_by("organization__path", "raised_on", "id")
        for item in rows.iterator(chunk_size=500):
            taken = steps[item.pk]
            stop = taken.get(Step.WITHDRAWN) or taken.get(Step.REJECTED)
            yield [
                item.organization.name,
                item.title,
                str(sources.get(item.source, item.source)),
                *[taken[step][0] if step in taken else "" for step in STEP_COLUMNS],
                numbers.get(item.pk, ""),
                str(results[verdicts[item.pk]]) if item.pk in verdicts else "",
                implementers.get(item.pk, ""),
                f"{progress[item.pk]}%" if item.pk in progress else "",
                str(labels[item.step]),
                stop[1] if stop else "",
                item.result,
            ]

    @staticmethod
    def _progress(ids):
        latest = ProgressNote.objects.filter(item__in=ids).values("item").annotate(last=Max("id")).values("last")
        return dict(ProgressNote.objects.filter(pk__in=latest).values_list("item_id", "percent"))

    @staticmethod
    def _implementers(items):
        who = defaultdict(list)
        for item_id in items.filter(by_station=True).values_list("pk", flat=True):
            who[item_id].append(str(_("党员服务站")))
        through = AgendaItem.implementers.through
        for item_id, name in through.objects.filter(agendaitem__in=items.values("pk")).values_list(
            "agendaitem_id", "member__name"
        ):
            who[item_id].append(name)
        through = AgendaItem.units.through
        for item_id, name in through.objects.filter(agendaitem__in=items.values("pk")).values_list(
            "agendaitem_id", "residentunit__name"
        ):
            who[item_id].append(name)
        return {item_id: "、".join(names) for item_id, names in who.items()}


class ResolutionLedgerExport(_PeriodExport):
    """决议台账: the resolutions of council meetings held in the period, with their votes and quorum."""

    columns = [
        ("决议文号", 14),
        ("社区", 18),
        ("会议日期", 12),
        ("会议", 20),
        ("议题", 26),
        ("决议内容", 40),
        ("赞成", 7),
        ("反对", 7),
        ("弃权", 7),
        ("有表决权应到", 12),
        ("有表决权实到", 12),
        ("达到法定人数", 12),
    ]

    def __init__(self, organization, start, end):
        super().__init__(organization, start, end)
        self.title = f"{organization.name}决议台账"

    def rows(self):
        resolutions = (
            Resolution.objects.filter(
                organization__in=Organization.objects.under(self.organization).values("pk"),
                decision__meeting__held_on__range=(self.start, self.end),
            )
            .select_related("organization", "decision__meeting", "item")
            .order_by("organization__path", "year", "sequence")
        )
        for resolution in resolutions.iterator(chunk_size=500):
            decision, meeting = resolution.decision, resolution.decision.meeting
            yield [
                resolution.number,
                resolution.organization.name,
                meeting.held_on,
                meeting.display_title,
                resolution.item.title,
                decision.text,
                decision.votes_for,
                decision.votes_against,
                decision.votes_abstain,
                resolution.entitled,
                resolution.entitled_present,
                _("是") if resolution.quorum_held else _("否"),
            ]
