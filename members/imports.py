"""Roster import: one code path behind the secretary's page, the admin and ``import_roster``.

``RosterImport.analyse`` checks every row against the register without writing; ``commit`` writes
the same plan in one transaction — all rows, or only the valid ones when asked — as bulk inserts:
new members with their registration (or transfer-in) entries, changed members with their change
entries and audited edits. Importing the same file again finds every row unchanged and writes
nothing but the batch record.
"""

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from members.changes import MemberState, next_state
from members.models import (
    Category,
    ColumnMapping,
    ImportBatch,
    Member,
    MemberChange,
    Standing,
    Status,
    pinyin_keys,
    years_before,
)
from members.roster import LABELS, RosterError, parse_row, read_roster
from organizations.access import member_organizations_for
from organizations.models import Organization
from portal.models import AuditEntry

K = MemberChange.Kind
# The details a roster may change: the member's, less those its ID number fixes and those of a
# mobile member, which their own changes keep.
NOT_FROM_ROSTERS = ("gender", "birth_date", "id_number", "mobile_card_number", "mobile_place", "mobile_contact")
DETAILS = [name for name in Member.DETAIL_FIELDS if name not in (*NOT_FROM_ROSTERS, "last_contact_on")]
LOOKUP_CHUNK = 2000
# What a new member's row keeps from its parsing until the write (a plan may hold 50,000).
NEW_MEMBER_VALUES = (
    *DETAILS,
    "gender",
    "birth_date",
    "id_number",
    "confirmed_on",
    "status",
    "category",
    "management_type",
    "arrival",
    "external_organization",
    "letter_number",
    "organization",
)
# Values a new member needs that a file may leave out: asked once for the whole file.
DECIDABLE = ("branch", "status", "category")
FULL_AFTER_YEARS = 2  # joined this long ago and still no 正式/预备: probation is long over
MAX_PLACE_QUESTIONS = 30  # branch names of a file the preview offers to map, most rows first
CHANGED = "预览后该党员信息已变更，请重新预览。"  # a row whose member someone changed between preview and commit


@dataclass
class Plan:
    """What the import would do: new members, changed members, unchanged ones, rejected rows."""

    new: list = field(default_factory=list)  # (row number, values, organization)
    updates: list = field(default_factory=list)  # (row number, member, {field: new value}, organization)
    unchanged: int = 0
    rejected: list = field(default_factory=list)  # {"row", "cells", "problems": [(column, reason)]}
    extra_columns: list = field(default_factory=list)
    headers: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # how each column was read (Column.as_dict())
    mapping: dict = field(default_factory=dict)  # the user's column choices that were applied
    signature: str = ""  # the header row, to remember the mapping by
    pending: dict = field(default_factory=dict)  # {field: new rows still waiting for a decision}
    inferred: dict = field(default_factory=dict)  # {"status_full": rows read as full by the rule}
    unknown_places: dict = field(default_factory=dict)  # {branch name in the file: rows}, to map

    @property
    def counts(self):
        return len(self.new), len(self.updates), self.unchanged, len(self.rejected)


class DecisionError(RosterError):
    """A decision for the whole file cannot be taken as given; the message says why."""


class RosterImport:
    def __init__(self, data, file_name, organization, user, actor=None, mapping=None, decisions=None):
        self.data, self.file_name, self.organization, self.user = data, file_name, organization, user
        self.actor = actor or user  # a request, for the audit's address, or the user
        self.today = datetime.date.today()
        self.mapping = mapping  # None: the one remembered for the file's header row, if any
        self.decisions = {name: value for name, value in (decisions or {}).items() if value}

    # -- analysis (no writes) -----------------------------------------------------------------

    def analyse(self, progress=None):
        remembered = partial(ColumnMapping.remembered, self.organization)
        sheet = read_roster(self.data, self.mapping, remembered=remembered)
        self.mapping = sheet.mapping  # read again the same way (the late rows' cells at commit)
        plan = Plan(
            extra_columns=sheet.extra_columns,
            headers=self._headers(sheet),
            columns=[column.as_dict() for column in sheet.report],
            mapping=sheet.mapping,
            signature=sheet.signature,
        )
        places = _Places(self.organization, self.user)
        decided = self._decided(places)
        places.renamed = decided.get("branch_names", {})
        seen, total = {}, len(sheet.rows)
        # In chunks: only one chunk's parsed rows and register records are held at a time (a
        # 50,000-row file would otherwise hold 50,000 of each); the plan keeps what it will write.
        for start in range(0, total, LOOKUP_CHUNK):
            chunk = sheet.rows[start : start + LOOKUP_CHUNK]
            parsed = [parse_row(number, cells, sheet.columns) for number, cells in chunk]
            existing = self._existing([row.values.get("id_number") for row in parsed])
            for row, (_number, cells) in zip(parsed, chunk, strict=True):
                self._check(row, places, existing, seen, sheet.columns)
                if row.problems:
                    rejected = {"row": row.number, "cells": [_plain(c) for c in cells], "problems": row.problems}
                    plan.rejected.append(rejected)
                else:
                    self._plan_row(row, existing, plan, sheet.columns, decided)
            sheet.rows[start : start + len(chunk)] = [None] * len(chunk)  # its cells are done with
            if progress:
                progress(start + len(chunk), total)
        plan.unknown_places = dict(places.unknown.most_common(MAX_PLACE_QUESTIONS))
        return plan

    def _headers(self, sheet):
        """The file's own header names, so that the rejected rows re-import with the same reading."""
        width = max((len(cells) for _n, cells in sheet.rows), default=0)
        by_position = {column.position: column.header for column in sheet.report}
        return [by_position.get(position, "") for position in range(width)]

    def _decided(self, places):
        """The decisions for the whole file, checked: a branch inside the target and the user's scope."""
        decided = dict(self.decisions)
        if self.organization.kind in Organization.MEMBER_KINDS and "branch" not in decided:
            decided["branch"] = self.organization.pk  # importing into a branch: nothing to ask
        if "branch" in decided:
            decided["branch"] = places.by_id(decided["branch"])
            if decided["branch"] is None:
                raise DecisionError("所选的默认支部不在导入范围或您的管理范围内。")
        names = decided.get("branch_names") or {}
        decided["branch_names"] = {name: places.by_id(pk) for name, pk in names.items()}
        if None in decided["branch_names"].values():
            raise DecisionError("为文件中的支部名称所选的支部不在导入范围或您的管理范围内。")
        if decided.get("status") not in (None, *Status.values):
            raise DecisionError("正式/预备的选择无效。")
        if decided.get("category") not in (None, *Category.values):
            raise DecisionError("人员类别的选择无效。")
        return decided

    def _existing(self, numbers):
        """{id number: the member holding it now, or the latest former record}."""
        numbers = [number for number in numbers if number]
        found = {}
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            chunk = numbers[start : start + LOOKUP_CHUNK]
            for member in Member.objects.filter(id_number__in=chunk).select_related("organization").order_by("id"):
                if member.id_number not in found or member.standing == Standing.ACTIVE:
                    found[member.id_number] = member
        return found

    def _check(self, row, places, existing, seen, columns):
        values = row.values
        number = values.get("id_number")
        if number:
            if number in seen:
                row.problem("id_number", f"与第{seen[number]}行身份证号重复。")
            seen.setdefault(number, row.number)
            member = existing.get(number)
            if member is not None and member.standing == Standing.ACTIVE and not places.may_hold(member.organization):
                row.problem("id_number", "该身份证号已在其他组织登记在册，不能导入到这里。")
            elif member is not None and member.standing != Standing.ACTIVE:
                row.problem("id_number", f"该党员曾登记在册（{member.get_standing_display()}），请在其档案中登记转入。")
            elif member is not None and member.status == Status.FULL and values["status"] == Status.PROBATIONARY:
                row.problem("status", "正式党员不能改为预备党员。")
        if existing.get(number) is None and values["management_type"] in ("mobile_out", "mobile_in"):
            row.problem("management_type", "流动党员请在系统中登记“流入登记”或“外出流动”，不通过花名册建档。")
        values["organization"] = places.resolve(row)
        if values["arrival"] == K.TRANSFER_IN:
            for name in ("external_organization", "letter_number"):
                if not values[name]:
                    row.problem(name, "组织关系转入需填写原党组织和介绍信编号。")

    def _plan_row(self, row, existing, plan, columns, decided):
        values = row.values
        member = existing.get(values["id_number"])
        if member is None:
            self._fill_new(values, plan, decided)
            kept = {name: values[name] for name in NEW_MEMBER_VALUES}  # what the write needs, no more
            plan.new.append((row.number, kept, values["organization"]))
            return
        # A blank cell says nothing: it never erases what the register holds.
        changed = {
            name: values[name]
            for name in (*DETAILS, "confirmed_on", "category", "status")
            if name in columns and values[name] not in ("", None) and values[name] != getattr(member, name)
        }
        values["organization"] = values["organization"] or member.organization
        if values["organization"].pk != member.organization_id:
            changed["organization"] = values["organization"]
        if changed:
            plan.updates.append((row.number, member, changed, values["organization"]))
        else:
            plan.unchanged += 1

    def _fill_new(self, values, plan, decided):
        """A new member's branch, status and category: from the row, by rule, or decided once for
        the file; what is still open is counted in ``plan.pending`` (the commit waits for it)."""
        values["ethnicity"] = values["ethnicity"] or "汉族"
        if not values["status"] and self._full_by_rule(values):
            values["status"] = Status.FULL
            plan.inferred["status_full"] = plan.inferred.get("status_full", 0) + 1
        for name in DECIDABLE:
            key = "organization" if name == "branch" else name
            if not values[key]:
                values[key] = decided.get(name)
                if values[key] is None:
                    plan.pending[name] = plan.pending.get(name, 0) + 1

    def _full_by_rule(self, values):
        joined = values["joined_on"]
        return bool(values["confirmed_on"]) or bool(joined and joined <= years_before(self.today, FULL_AFTER_YEARS))

    # -- commit -------------------------------------------------------------------------------

    def commit(self, valid_only=False, progress=None, batch=None):
        """Analyse, then write the plan in one transaction; with rejected rows, only when ``valid_only``."""
        plan = self.analyse(progress)
        return plan, self.write(plan, valid_only, batch)

    def write(self, plan, valid_only=False, batch=None):
        """Write what ``analyse`` planned, unless the register moved on since; whether anything was written.

        The members to update are locked and compared with the version the analysis read, and the
        ID numbers to add are looked up under lock: a row someone changed meanwhile (a member
        transferred out while a big file was checked) is rejected, not written over their change.
        """
        if plan.pending or (plan.rejected and not valid_only):
            return False
        try:
            with transaction.atomic():
                late = self._changed_members(plan.updates) | self._taken_numbers(plan.new)
                self._reject_late(plan, late, valid_only)
                recorded_at = timezone.now()
                self._write_new(plan, recorded_at, batch, valid_only)
                self._write_updates(plan, recorded_at, batch)
                self._audit(plan)
        except _ChangedSinceAnalysis:
            return False  # all or nothing: nothing written, the late rows are in plan.rejected
        return True

    def _audit(self, plan):
        new, updated, unchanged, rejected = plan.counts
        AuditEntry.record(
            self.actor,
            AuditEntry.Action.IMPORT,
            self.organization,
            summary=f"导入花名册“{self.file_name}”到{self.organization.name}：新增{new}、更新{updated}、"
            f"未变{unchanged}、未导入{rejected}",
        )

    def _changed_members(self, updates):
        """Row numbers whose member was saved after the analysis read it; locks the others until commit."""
        seen = {}  # member pk: [(row number, version the analysis read)]
        for number, member, _changed, _org in updates:
            seen.setdefault(member.pk, []).append((number, member.version))
        late, pks = set(), sorted(seen)
        for start in range(0, len(pks), LOOKUP_CHUNK):
            chunk = pks[start : start + LOOKUP_CHUNK]
            # In primary-key order, so that two imports locking overlapping members cannot deadlock.
            locked = Member.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            now = dict(locked.values_list("pk", "version"))
            late.update(number for pk in chunk for number, version in seen[pk] if now.get(pk) != version)
        return late

    def _taken_numbers(self, new):
        """Row numbers of new members whose ID number is on the register by now.

        Every record holding one of the numbers is locked, so that a former member cannot be
        transferred back in with it before this import commits.
        """
        rows = {values["id_number"]: number for number, values, _org in new}
        numbers, taken = sorted(rows), set()
        for start in range(0, len(numbers), LOOKUP_CHUNK):
            holders = Member.objects.select_for_update().filter(id_number__in=numbers[start : start + LOOKUP_CHUNK])
            for number, standing in holders.order_by("pk").values_list("id_number", "standing"):
                if standing == Standing.ACTIVE:
                    taken.add(rows[number])
        return taken

    def _reject_late(self, plan, late, valid_only):
        """Move the rows in ``late`` from the plan to its rejected rows; all or nothing refuses them all."""
        if not late:
            return
        plan.new = [entry for entry in plan.new if entry[0] not in late]
        plan.updates = [entry for entry in plan.updates if entry[0] not in late]
        cells = self._cells(late)
        problems = [(LABELS["id_number"], CHANGED)]
        rejected = [{"row": number, "cells": cells[number], "problems": problems} for number in late]
        plan.rejected = sorted(plan.rejected + rejected, key=lambda entry: entry["row"])
        if not valid_only:
            raise _ChangedSinceAnalysis

    def _cells(self, numbers):
        """The cells of the rows ``numbers`` as the file has them (for the rejected rows' download)."""
        rows = read_roster(self.data, self.mapping).rows
        return {number: [_plain(cell) for cell in cells] for number, cells in rows if number in numbers}

    def _note(self, batch):
        return f"花名册导入{f'（批次{batch.pk}）' if batch else ''}"

    def _write_new(self, plan, recorded_at, batch, valid_only=False):
        """New members and their arrival entries, written a chunk at a time (same transaction)."""
        entries = list(plan.new)
        for start in range(0, len(entries), LOOKUP_CHUNK):
            chunk = entries[start : start + LOOKUP_CHUNK]
            chunk, members = self._insert_members(chunk, plan, valid_only)
            MemberChange.objects.bulk_create(self._arrivals(chunk, members, recorded_at, batch))

    def _arrivals(self, entries, members, recorded_at, batch):
        changes = []
        for member, (_number, values, org) in zip(members, entries, strict=True):
            kind = K.TRANSFER_IN if values["arrival"] == K.TRANSFER_IN else K.REGISTRATION
            change = MemberChange(
                member=member,
                kind=kind,
                effective_date=self.today,
                organization=org,
                management_type=member.management_type,
                status=member.status,
                category=member.category,
                external_organization=values["external_organization"],
                letter_number=values["letter_number"],
                note=self._note(batch),
                recorded_by=self.user,
                recorded_at=recorded_at,
            )
            after = next_state(change, None, member)
            change.standing = after.standing
            changes.append(change)
        return changes

    def _insert_members(self, entries, plan, valid_only):
        """Insert the new members; a number registered by someone else since the locked look-up is rejected.

        Only PostgreSQL has that instant (SQLite's writers queue for the whole transaction): the
        unique index makes the insert wait for the other registration and then fail, so the
        look-up is repeated, now seeing it, and the rest inserted again.
        """
        while True:
            members = [self._new_member(values, org) for _number, values, org in entries]
            try:
                with transaction.atomic():  # a savepoint: the failed insert must not end the import's transaction
                    Member.objects.bulk_create(members)
                return entries, members
            except IntegrityError:
                late = self._taken_numbers(entries)
                if not late:
                    raise  # not a number registered meanwhile: a real error
                self._reject_late(plan, late, valid_only)
                entries = [entry for entry in entries if entry[0] not in late]

    def _new_member(self, values, org):
        member = Member(
            **{name: values[name] for name in (*DETAILS, "gender", "birth_date", "id_number", "confirmed_on")},
            organization=org,
            status=values["status"],
            category=values["category"],
            management_type=values["management_type"],
            standing=Standing.ACTIVE,
        )
        member.name_pinyin, member.name_initials = pinyin_keys(member.name)
        return member

    def _write_updates(self, plan, recorded_at, batch):
        """Write the planned updates; each member is locked and still as the analysis read it."""
        changes, audits = [], []
        for _number, member, changed, org in plan.updates:
            state = MemberState.of(member)
            before = {name: str(getattr(member, name)) for name in changed if name != "organization"}
            for name, value in changed.items():
                setattr(member, name, value)
            for kind, moved in (
                (K.MOVE, "organization" in changed),
                (K.CATEGORY_CHANGE, "category" in changed),
                (K.CONFIRMATION, changed.get("status") == Status.FULL),
            ):
                if moved:
                    day = member.confirmed_on if kind == K.CONFIRMATION and member.confirmed_on else self.today
                    change = MemberChange(
                        member=member,
                        kind=kind,
                        effective_date=min(day, self.today),
                        organization=org,
                        category=member.category,
                        from_organization_id=state.organization_id,
                        note=self._note(batch),
                        recorded_by=self.user,
                        recorded_at=recorded_at,
                    )
                    state = next_state(change, state, member)
                    for name, value in state.__dict__.items():
                        setattr(change, name, value)
                    changes.append(change)
            member.save()
            details = {
                name: [before[name], str(changed[name])] for name in before if name in DETAILS + ["confirmed_on"]
            }
            if details:
                audits.append(
                    AuditEntry(
                        user=self.user,
                        username=self.user.get_username(),
                        action=AuditEntry.Action.MEMBER_EDIT,
                        object_type=Member._meta.label,
                        object_id=str(member.pk),
                        changes=details,
                        summary=f"花名册导入修改党员信息：{member.name}",
                    )
                )
        MemberChange.objects.bulk_create(changes)
        AuditEntry.objects.bulk_create(audits)


class _ChangedSinceAnalysis(Exception):
    """Rows the register moved past since the analysis, in an import that writes all rows or none."""


class _Places:
    """Branches and groups named in a roster, found inside the organization being imported into."""

    def __init__(self, target, user):
        self.target = target
        nodes = list(member_organizations_for(user).under(target))
        self.branches = {org.name: org for org in nodes if org.kind == Organization.Kind.BRANCH}
        self.groups = {}
        for org in nodes:
            if org.kind == Organization.Kind.GROUP:
                self.groups.setdefault(org.name, []).append(org)
        self.by_pk = {org.pk: org for org in nodes}
        self.renamed = {}  # {branch name in the file: branch}, decided in the preview
        self.unknown = Counter()  # branch names found nowhere, with their rows
        self.by_short_name = {}
        for org in self.branches.values():
            self.by_short_name.setdefault(_short(org.name), []).append(org)
        self._named = {}

    def branch_named(self, name):
        """The branch a file names: by its name, or by the full name the national system writes
        (中共北门社区委员会北门第一楼栋支部委员会 for 北门第一楼栋党支部) when one branch fits."""
        if name not in self._named:
            found = self.branches.get(name) or self.renamed.get(name)
            if found is None:
                short = _short(name)
                fits = [org for key, orgs in self.by_short_name.items() if key and key in short for org in orgs]
                longest = max((len(_short(org.name)) for org in fits), default=0)
                fits = [org for org in fits if len(_short(org.name)) == longest]
                found = fits[0] if len(fits) == 1 else None
            self._named[name] = found
        return self._named[name]

    def may_hold(self, organization):
        return organization.path.startswith(self.target.path)

    def by_id(self, pk):
        """A branch or group under the target that the user may place members in, or None."""
        found = self.by_pk.get(int(pk)) if str(pk).isdigit() else None
        return found if found is not None and self.may_hold(found) else None

    def resolve(self, row):
        """The group (or branch) a row places its member in; None when the row names none (then
        the member stays where it is, or the file's decision places it), or a problem on the row."""
        values, target = row.values, self.target
        if target.kind == Organization.Kind.GROUP:
            return target
        if not values["branch"] and values["group"] and target.kind == Organization.Kind.BRANCH:
            values["branch"] = target.name
        if not values["branch"]:
            return self._group_alone(row)
        branch = self.branch_named(values["branch"])
        if branch is None:
            row.problem("branch", f"找不到党支部“{values['branch']}”（可在预览中为它选择对应的支部）。")
            self.unknown[values["branch"]] += 1
            return None
        if not values["group"]:
            return branch
        group = next((g for g in self.groups.get(values["group"], []) if g.path.startswith(branch.path)), None)
        if group is None:
            elsewhere = self.groups.get(values["group"])
            row.problem(
                "group",
                f"党小组“{values['group']}”不属于{branch.name}。"
                if elsewhere
                else f"找不到党小组“{values['group']}”。",
            )
        return group

    def _group_alone(self, row):
        """A group named without its branch: found when one group under the target has that name."""
        name = row.values["group"]
        if not name:
            return None
        found = [group for group in self.groups.get(name, []) if group.path.startswith(self.target.path)]
        if len(found) != 1:
            reason = f"有多个党小组叫“{name}”，请填写所在支部。" if found else f"找不到党小组“{name}”。"
            row.problem("group", reason)
            return None
        return found[0]


def _short(name):
    return re.sub(r"中国共产党|中共|委员会|党", "", name)


def _plain(cell):
    """A cell as the batch can keep it in JSON (PostgreSQL's jsonb refuses NaN and NUL too) and
    the rejected-rows download can write it back: times, durations and the like become text."""
    if cell is None:
        return ""
    if isinstance(cell, (datetime.date, datetime.datetime)):
        return cell.strftime("%Y-%m-%d")
    if isinstance(cell, float):
        finite = cell - cell == 0  # NaN and infinities give NaN
        return int(cell) if cell.is_integer() else cell if finite else str(cell)
    if isinstance(cell, (bool, int)):
        return cell
    if isinstance(cell, datetime.time):
        return cell.strftime("%H:%M:%S" if cell.second else "%H:%M")
    return str(cell).replace("\x00", "")


def record_batch(batch, plan, committed=None):
    """Copy a plan's counts and rejected rows onto its batch."""
    batch.new_count, batch.updated_count, batch.unchanged_count, batch.rejected_count = plan.counts
    batch.rejected_rows = [{**entry, "problems": [list(p) for p in entry["problems"]]} for entry in plan.rejected]
    batch.extra_columns, batch.headers = plan.extra_columns, plan.headers
    batch.columns, batch.mapping = plan.columns, plan.mapping
    batch.pending, batch.inferred, batch.unknown_places = plan.pending, plan.inferred, plan.unknown_places
    if committed is None:
        batch.status = ImportBatch.Status.PREVIEWED
    elif committed:
        batch.status, batch.committed_at = ImportBatch.Status.COMMITTED, timezone.now()
        batch.file_data = b""  # no personal data kept once it is in the register
    else:
        batch.status = ImportBatch.Status.REFUSED
    batch.save()


def run_batch(batch_id, commit=False, actor=None):
    """Analyse or commit a stored batch; what the web page runs (in the background for big files)."""
    batch = ImportBatch.objects.select_related("organization", "uploaded_by").get(pk=batch_id)

    def progress(done, total):
        ImportBatch.objects.filter(pk=batch_id).update(progress=done, total=total)

    job = RosterImport(
        bytes(batch.file_data),
        batch.file_name,
        batch.organization,
        batch.uploaded_by,
        actor,
        mapping=batch.mapping,
        decisions=batch.decisions,
    )
    try:
        if commit:
            plan, committed = job.commit(valid_only=batch.valid_only, progress=progress, batch=batch)
            record_batch(batch, plan, committed)
            if committed and plan.mapping:  # offered again for the next file with this header row
                ColumnMapping.remember(batch.organization, plan.signature, plan.mapping, batch.uploaded_by)
        else:
            record_batch(batch, job.analyse(progress))
    except RosterError as error:
        batch.status, batch.message = ImportBatch.Status.FAILED, str(error)
        batch.save()
    return batch
