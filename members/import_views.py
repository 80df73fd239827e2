"""Roster import pages: upload, preview, commit (in the background for big files), rejected rows,
the template to fill in, and the ledgers out."""

import datetime
import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from members import disclosure
from members.imports import run_batch
from members.ledgers import ROSTER_COLUMNS, ChangeLedgerExport, RosterExport
from members.models import Category, Education, ImportBatch, ManagementType, Status
from members.retention import purge_import_files
from members.roster import LABELS, MAPPABLE, MAX_FILE_BYTES, RosterError, check_container
from members.tasks import run_import_batch
from organizations.access import (
    can_reveal_id,
    get_for_user,
    member_organizations_for,
    organization_param,
    organizations_for,
    scoped,
)
from organizations.models import Organization
from portal.exports import add_sheet, workbook_response
from portal.params import strict_date_param

logger = logging.getLogger(__name__)
BACKGROUND_BYTES = 200_000  # about 4,000 rows: bigger files are checked and written in the background


class UploadForm(forms.Form):
    file = forms.FileField(label=_lazy("花名册文件（.xlsx 或 .xls）"))
    organization = forms.ModelChoiceField(label=_lazy("导入到"), queryset=Organization.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = importable_organizations(user)
        self.fields["organization"].label_from_instance = lambda org: "　" * max(org.depth - 2, 0) + org.name
        # The user's own community (or branch) unless they pick a part of it.
        self.fields["organization"].initial = self.fields["organization"].queryset.order_by("depth", "path").first()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("文件超过%(n)dMB，请拆分后分批导入。") % {"n": MAX_FILE_BYTES // 1024 // 1024}
            )
        data = upload.read()
        try:
            check_container(data)
        except RosterError as error:
            raise forms.ValidationError(str(error)) from None
        return upload.name, data


class ReadingForm(forms.Form):
    """The preview's questions: what each column is read as, and what the file leaves open for
    its new members (branch, 正式/预备, category), decided once for the whole file."""

    NOT_USED = ""

    def __init__(self, *args, batch, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        choices = [(self.NOT_USED, _("不导入（忽略此列）"))] + [(name, LABELS[name]) for name in MAPPABLE]
        for column in batch.columns:
            self.fields[f"column_{column['position']}"] = forms.ChoiceField(
                label=column["header"], choices=choices, required=False, initial=column["field"]
            )
        self.place_names = list(batch.unknown_places) + [
            name for name in batch.decisions.get("branch_names", {}) if name not in batch.unknown_places
        ]
        places = member_organizations_for(user).under(batch.organization).order_by("path")
        for index, name in enumerate(self.place_names):
            rows = batch.unknown_places.get(name)
            self.fields[f"place_{index}"] = forms.ModelChoiceField(
                label=_("文件中的“%(name)s”%(rows)s对应") % {"name": name, "rows": f"（{rows}行）" if rows else ""},
                queryset=places,
                initial=batch.decisions.get("branch_names", {}).get(name),
                required=False,
                empty_label=_("（找不到，不导入这些行）"),
            )
            self.fields[f"place_{index}"].label_from_instance = _indented
        asked = {**batch.pending, **batch.decisions}
        if "branch" in asked:
            self.fields["branch"] = forms.ModelChoiceField(
                label=_("未填支部的新党员编入"),
                queryset=places,
                initial=batch.decisions.get("branch"),
                required=False,  # a mapping may make the question go away; asked again if not
            )
            self.fields["branch"].label_from_instance = _indented
        if "status" in asked:
            self.fields["status"] = forms.ChoiceField(
                label=_("其余未填正式/预备的新党员是"),
                choices=[("", "—")] + list(Status.choices),
                initial=batch.decisions.get("status"),
                required=False,
            )
        if "category" in asked:
            self.fields["category"] = forms.ChoiceField(
                label=_("未填人员类别的新党员是"),
                choices=[("", "—")] + list(Category.choices),
                initial=batch.decisions.get("category"),
                required=False,
            )

    def column_fields(self):
        return [(column, self[f"column_{column['position']}"]) for column in self.batch.columns]

    def decision_fields(self):
        names = [f"place_{index}" for index in range(len(self.place_names))] + ["branch", "status", "category"]
        return [self[name] for name in names if name in self.fields]

    def clean(self):
        cleaned = super().clean()
        chosen = {}
        for column in self.batch.columns:
            name = cleaned.get(f"column_{column['position']}")
            if name and name in chosen:
                raise forms.ValidationError(
                    _("“%(a)s”和“%(b)s”两列都对应到了“%(f)s”，请只保留一列。")
                    % {"a": chosen[name], "b": column["header"], "f": LABELS[name]}
                )
            chosen[name] = column["header"]
        for required in ("name", "id_number"):
            if required not in chosen:
                raise forms.ValidationError(_("请指定哪一列是“%(f)s”。") % {"f": LABELS[required]})
        return cleaned

    def mapping(self):
        """The user's choices that differ from what was read, plus those chosen before."""
        mapping = {}
        for column in self.batch.columns:
            choice = self.cleaned_data.get(f"column_{column['position']}") or ""
            if choice != column["field"] or column["how"] == "mapping":
                mapping[str(column["position"])] = choice
        return mapping

    def decisions(self):
        found = {name: self.cleaned_data.get(name) for name in ("branch", "status", "category")}
        found["branch"] = found["branch"].pk if found["branch"] else None
        found["branch_names"] = {
            name: self.cleaned_data[f"place_{index}"].pk
            for index, name in enumerate(self.place_names)
            if self.cleaned_data.get(f"place_{index}")
        }
        return {name: value for name, value in found.items() if value}


def _indented(org):
    return "　" * max(org.depth - 3, 0) + org.name


def importable_organizations(user):
    """Communities and branches the user may place members in."""
    kinds = [Organization.Kind.COMMUNITY, Organization.Kind.BRANCH, Organization.Kind.GROUP]
    return organizations_for(user, write=True).existing().filter(kind__in=kinds)


def _batch_for(request, pk, write=False):
    return get_for_user(ImportBatch.objects.select_related("organization"), request.user, write, pk=pk)


@login_required
def import_start(request):
    if not importable_organizations(request.user).exists():
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        name, data = form.cleaned_data["file"]
        batch = ImportBatch.objects.create(
            organization=form.cleaned_data["organization"],
            file_name=name,
            file_data=data,
            uploaded_by=request.user,
        )
        purge_import_files()  # one cheap UPDATE: no upload outlives its time even where no daily job runs
        _run(request, batch, commit=False)
        return redirect("members:import_batch", pk=batch.pk)
    batches = scoped(ImportBatch.objects.select_related("organization", "uploaded_by"), request.user)[:20]
    return render(request, "members/import_start.html", {"form": form, "batches": batches})


def _run(request, batch, commit):
    """Small files at once; big ones as a background job (``manage.py worker``) while the page
    shows its progress, read from the database by whichever server answers."""
    if len(batch.file_data) <= BACKGROUND_BYTES:
        run_batch(batch.pk, commit=commit, actor=request)
        return
    status = ImportBatch.Status.COMMITTING if commit else ImportBatch.Status.ANALYSING
    job = run_import_batch.enqueue(batch.pk, commit, request.user.pk)
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, progress=0, total=0, task_id=job.id, message="")


@login_required
def import_batch(request, pk):
    batch = _batch_for(request, pk)
    job = batch.check_job()
    running = batch.status in ImportBatch.RUNNING
    if request.htmx and running:
        return render(request, "members/_import_progress.html", {"batch": batch, "job": job})
    if request.htmx:  # finished while the page was polling: reload it whole
        response = render(request, "members/_import_progress.html", {"batch": batch})
        response["HX-Refresh"] = "true"
        return response
    reading = ReadingForm(batch=batch, user=request.user) if batch.status == ImportBatch.Status.PREVIEWED else None
    context = _batch_context(batch, reading, running)
    context["job"] = job
    context["may_retry"] = batch.status == ImportBatch.Status.FAILED and bool(batch.file_data)
    return render(request, "members/import_batch.html", context)


@login_required
@require_POST
def import_retry(request, pk):
    """Check a failed batch's file again (a job lost with its worker, or an error since mended)."""
    batch = _batch_for(request, pk, write=True)
    if batch.status != ImportBatch.Status.FAILED or not batch.file_data:
        messages.error(request, _("该批次不能重试；请重新上传文件。"))
        return redirect("members:import_batch", pk=batch.pk)
    _run(request, batch, commit=False)
    return redirect("members:import_batch", pk=batch.pk)


PENDING_LINES = {
    "branch": _lazy("%(n)d 行没有所在支部，请选择编入的支部"),
    "status": _lazy("%(n)d 行没有写正式/预备（也无转正时间、入党未满两年），请选择"),
    "category": _lazy("%(n)d 行没有人员类别，请选择"),
}


def _batch_context(batch, reading, running=False):
    problems = [(entry["row"], column, reason) for entry in batch.rejected_rows for column, reason in entry["problems"]]
    pending = [PENDING_LINES[name] % {"n": n} for name, n in batch.pending.items()]
    return {
        "batch": batch,
        "problems": problems,
        "running": running,
        "reading": reading,
        "pending": pending,
        "decided": _decided_lines(batch),
    }


def _decided_lines(batch):
    lines, decided = [], batch.decisions
    names = decided.get("branch_names", {})
    chosen = dict(Organization.objects.filter(pk__in=names.values()).values_list("pk", "name"))
    lines += [_("“%(a)s”即%(b)s") % {"a": name, "b": chosen.get(pk, "—")} for name, pk in names.items()]
    if decided.get("branch"):
        branch = Organization.objects.filter(pk=decided["branch"]).first()
        lines.append(_("未填支部的编入%(b)s") % {"b": branch.name if branch else "—"})
    if decided.get("status"):
        lines.append(_("未填正式/预备的其余行按%(s)s") % {"s": Status(decided["status"]).label})
    if decided.get("category"):
        lines.append(_("未填人员类别的按%(c)s") % {"c": Category(decided["category"]).label})
    return lines


@login_required
@require_POST
def import_reading(request, pk):
    """Apply the user's column mapping and decisions, and check the file again with them."""
    batch = _batch_for(request, pk, write=True)
    if batch.status != ImportBatch.Status.PREVIEWED:
        messages.error(request, _("该批次不能再修改。"))
        return redirect("members:import_batch", pk=batch.pk)
    form = ReadingForm(request.POST, batch=batch, user=request.user)
    if not form.is_valid():
        return render(request, "members/import_batch.html", _batch_context(batch, form), status=400)
    batch.mapping, batch.decisions = form.mapping(), form.decisions()
    batch.save(update_fields=["mapping", "decisions"])
    _run(request, batch, commit=False)
    messages.success(request, _("已按您的选择重新检查。"))
    return redirect("members:import_batch", pk=batch.pk)


@login_required
@require_POST
def import_commit(request, pk):
    batch = _batch_for(request, pk, write=True)
    if batch.status != ImportBatch.Status.PREVIEWED:
        messages.error(request, _("该批次不能再导入。"))
        return redirect("members:import_batch", pk=batch.pk)
    batch.valid_only = bool(request.POST.get("valid_only"))
    batch.save(update_fields=["valid_only"])
    if batch.pending:
        messages.error(request, _("还有需要您决定的事项（见“导入前请确认”），请先选择。"))
        return redirect("members:import_batch", pk=batch.pk)
    if batch.rejected_count and not batch.valid_only:
        messages.error(request, _("有问题的行尚未改正；请改正后重新上传，或选择只导入无误的行。"))
        return redirect("members:import_batch", pk=batch.pk)
    _run(request, batch, commit=True)
    return redirect("members:import_batch", pk=batch.pk)


@login_required
def import_rejected(request, pk):
    """The rejected rows as they were, with a column saying what to fix; to correct and upload again."""
    batch = _batch_for(request, pk)
    if not batch.may_download_rejected(request.user):
        raise PermissionDenied
    book = Workbook()
    book.remove(book.active)
    headers = [header or "" for header in batch.headers]
    columns = [("原行号", 8), ("问题", 50)] + [(header or "—", 14) for header in headers]
    # Masked by what each column was read as, whatever the file called it.
    read_as = {column["position"]: LABELS.get(column["field"], "") for column in batch.columns}
    labels = [read_as.get(position, "") for position in range(len(headers))]
    rows = (disclosure.rejected_row(entry, labels, request.user, batch.organization) for entry in batch.rejected_rows)
    add_sheet(book, "需改正的行", f"{batch.file_name}　{batch.organization.name}", columns, rows)
    return workbook_response(
        request,
        book,
        f"需改正的行-{batch.file_name.rsplit('.', 1)[0]}.xlsx",
        f"导出花名册未导入的行（{batch.rejected_count}行）",
    )


@login_required
def import_template(request):
    """An empty roster with the import's own headers, dropdowns and an instructions sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["党员花名册"])
    sheet.append(["填报单位："])
    sheet.append([header for header, _width in ROSTER_COLUMNS])
    options = book.create_sheet("选项")
    places = member_organizations_for(request.user)
    lists = {
        "性别": ["男", "女"],
        "学历": [label for _v, label in Education.choices],
        "党员类别": [label for _v, label in Status.choices],
        "人员类别": [label for _v, label in Category.choices],
        "管理方式": [label for v, label in ManagementType.choices if v in ("self_managed", "in_service")],
        "所在支部": list(places.filter(kind=Organization.Kind.BRANCH).values_list("name", flat=True)),
        "所在党小组": list(places.filter(kind=Organization.Kind.GROUP).values_list("name", flat=True)),
    }
    headers = [header for header, _width in ROSTER_COLUMNS]
    for column, (header, values) in enumerate(lists.items(), start=1):
        letter = options.cell(row=1, column=column, value=header).column_letter
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=column, value=str(value))
        target = sheet.cell(row=4, column=headers.index(header) + 1).column_letter
        validation = DataValidation(
            type="list",
            formula1=f"=选项!${letter}$2:${letter}${max(len(values), 1) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            error=f"请从列表中选择{header}",
        )
        validation.add(f"{target}4:{target}2000")
        sheet.add_data_validation(validation)
    for index, (_header, width) in enumerate(ROSTER_COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=3, column=index).column_letter].width = width
    for header in ("身份证号", "联系电话"):  # text cells: Excel must not turn numbers into 3.2E+17
        letter = sheet.cell(row=3, column=headers.index(header) + 1).column_letter
        for row in range(4, 2001):
            sheet[f"{letter}{row}"].number_format = "@"
    options.sheet_state = "hidden"
    notes = book.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    return workbook_response(request, book, "党员花名册模板.xlsx", "下载花名册模板")


INSTRUCTIONS = [
    "党员花名册填写说明",
    "1. 第3行是表头，请勿修改列名；列的顺序可以调整，多余的列会被忽略。",
    "2. 身份证号请按文本填写（本模板已设为文本格式），18位，最后一位可为X。",
    "3. 日期可写作 1985-07-01、1985/7/1、1985.07、1985年7月 或 19850701。",
    "4. 党员类别填“正式党员”或“预备党员”；人员类别、管理方式、所在支部、所在党小组请从下拉列表中选择。",
    "5. 同一身份证号再次导入时不会重复建档：内容有变化的会更新并留下变动记录，没有变化的不做改动。",
    "6. 上传后系统先逐行检查，列出有问题的行及原因；确认无误后才写入。可下载“需改正的行”修改后重新上传。",
]


@login_required
def roster_export(request):
    organization = organization_param(request)
    export = RosterExport(organization, reveal=can_reveal_id(request.user, organization))
    return export.response(request, f"{organization.name}党员花名册-{datetime.date.today():%Y%m%d}.xlsx")


@login_required
def ledger_export(request):
    organization = organization_param(request)
    today = datetime.date.today()
    start = _date_param(request, "start") or today.replace(month=1, day=1)
    end = min(_date_param(request, "end") or today, today)
    export = ChangeLedgerExport(organization, start, end, reveal=can_reveal_id(request.user, organization))
    return export.response(request, f"{organization.name}党员变动台账-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


def _date_param(request, name):
    return strict_date_param(request, name)  # a bad date is a 400 that says why, not a silent default
