"""Roster import: one code path behind the secretary's page, the admin and ``import_roster``.

``RosterImport.analyse`` checks every row against the register without writing; ``commit`` writes
the same plan in one transaction — all rows, or only the valid ones when asked — as bulk inserts:
new members with their registration (or transfer-in) entries, changed members with their change
entries and audited edits. Importing the same file again finds every row unchanged and writes
nothing but the batch record.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from members.changes import MemberState, next_state
from members.models import (
    ImportBatch,
    Member,
    MemberChange,
    Standing,
    Status,
    pinyin_keys,
)
from members.roster import LABELS, RosterError, parse_row, read_roster
from organizations.models import Organization
from portal.access import member_organizations_for
from portal.models import AuditEntry

K = MemberChange.Kind
DETAILS = ["name", "ethnicity", "phone", "address", "education", "employer", "post", "joined_on", "notes"]
LOOKUP_CHUNK = 2000


@dataclass
class Plan:
    """What the import would do: new members, changed members, unchanged ones, rejected rows."""

    new: list = field(default_factory=list)  # (row number, values, organization)
    updates: list = field(default_factory=list)  # (row number, member, {field: new value}, organization)
    unchanged: int = 0
    rejected: list = field(default_factory=list)  # {"row", "cells", "problems": [(column, reason)]}
    extra_columns: list = field(default_factory=list)
    headers: list = field(default_factory=list)

    @property
    def counts(self):
        return len(self.new), len(self.updates), self.unchanged, len(self.rejected)


class RosterImport:
    def __init__(self, data, file_name, organization, user, actor=None):
        self.data, self.file_name, self.organization, self.user = data, file_name, organization, user
        self.actor = actor or user  # a request, for the audit's address, or the user
        self.today = datetime.date.today()

    # -- analysis (no writes) -----------------------------------------------------------------

    def analyse(self, progress=None):
        sheet = read_roster(self.data)
        plan = Plan(extra_columns=sheet.extra_columns, headers=self._headers(sheet))
        places = _Places(self.organization, self.user)
        parsed = [parse_row(number, cells, sheet.columns) for number, cells in sheet.rows]
        existing = self._existing([row.values.get("id_number") for row in parsed])
        seen = {}
        for index, (row, (_number, cells)) in enumerate(zip(parsed, sheet.rows, strict=True)):
            self._check(row, places, existing, seen, sheet.columns)
            if row.problems:
                plan.rejected.append({"row": row.number, "cells": [_plain(c) for c in cells], "problems": row.problems})
            else:
                self._plan_row(row, existing, plan, sheet.columns)
            if progress and index % 1000 == 0:
                progress(index, len(parsed))
        return plan

    def _headers(self, sheet):
        width = max((len(cells) for _n, cells in sheet.rows), default=0)
        by_position = {position: LABELS[name] for name, position in sheet.columns.items()}
        return [by_position.get(position, "") for position in range(width)]

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
        values["organization"] = places.resolve(row, columns)
        if values["arrival"] == K.TRANSFER_IN:
            for name in ("external_organization", "letter_number"):
                if not values[name]:
                    row.problem(name, "组织关系转入需填写原党组织和介绍信编号。")

    def _plan_row(self, row, existing, plan, columns):
        values = row.values
        member = existing.get(values["id_number"])
        if member is None:
            plan.new.append((row.number, values, values["organization"]))
            return
        changed = {name: values[name] for name in DETAILS if name in columns and values[name] != getattr(member, name)}
        if "confirmed_on" in columns and values["confirmed_on"] and values["confirmed_on"] != member.confirmed_on:
            changed["confirmed_on"] = values["confirmed_on"]
        for name in ("category", "status"):
            if values[name] != getattr(member, name):
                changed[name] = values[name]
        if values["organization"].pk != member.organization_id:
            changed["organization"] = values["organization"]
        if changed:
            plan.updates.append((row.number, member, changed, values["organization"]))
        else:
            plan.unchanged += 1

    # -- commit -------------------------------------------------------------------------------

    def commit(self, valid_only=False, progress=None, batch=None):
        """Write the plan in one transaction; with rejected rows, only when ``valid_only``."""
        plan = self.analyse(progress)
        if plan.rejected and not valid_only:
            return plan, False
        with transaction.atomic():
            recorded_at = timezone.now()
            self._write_new(plan, recorded_at, batch)
            self._write_updates(plan, recorded_at, batch)
            new, updated, unchanged, rejected = plan.counts
            AuditEntry.record(
                self.actor,
                AuditEntry.Action.IMPORT,
                self.organization,
                summary=f"导入花名册“{self.file_name}”到{self.organization.name}：新增{new}、更新{updated}、"
                f"未变{unchanged}、未导入{rejected}",
            )
        return plan, True

    def _note(self, batch):
        return f"花名册导入{f'（批次{batch.pk}）' if batch else ''}"

    def _write_new(self, plan, recorded_at, batch):
        members, changes = [], []
        for _number, values, org in plan.new:
            member = Member(
                **{name: values[name] for name in (*DETAILS, "gender", "birth_date", "id_number", "confirmed_on")},
                organization=org,
                status=values["status"],
                category=values["category"],
                management_type=values["management_type"],
                standing=Standing.ACTIVE,
            )
            member.name_pinyin, member.name_initials = pinyin_keys(member.name)
            members.append(member)
        Member.objects.bulk_create(members)
        for member, (_number, values, org) in zip(members, plan.new, strict=True):
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
        MemberChange.objects.bulk_create(changes)

    def _write_updates(self, plan, recorded_at, batch):
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

    def may_hold(self, organization):
        return organization.path.startswith(self.target.path)

    def resolve(self, row, columns):
        """The group (or branch) a row places its member in, or a problem on the row."""
        values, target = row.values, self.target
        if target.kind == Organization.Kind.GROUP:
            return target
        branch = self.branches.get(values["branch"]) if values["branch"] else None
        if target.kind == Organization.Kind.BRANCH and not values["branch"]:
            branch = target
        if branch is None:
            reason = f"找不到党支部“{values['branch']}”。" if values["branch"] else "请填写所在支部。"
            row.problem("branch", reason)
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

    job = RosterImport(bytes(batch.file_data), batch.file_name, batch.organization, batch.uploaded_by, actor)
    try:
        if commit:
            plan, committed = job.commit(valid_only=batch.valid_only, progress=progress, batch=batch)
            record_batch(batch, plan, committed)
        else:
            record_batch(batch, job.analyse(progress))
    except RosterError as error:
        batch.status, batch.message = ImportBatch.Status.FAILED, str(error)
        batch.save()
    return batch
