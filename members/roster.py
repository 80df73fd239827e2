"""Rosters (花名册) as communities really keep them, read into checked rows.

``read_roster`` opens an .xlsx or .xls file defensively (size, zip entries and uncompressed size
checked before anything is parsed), finds the header row under titles and "填报单位" lines, maps
columns by their usual names, fills merged cells, skips blank and footer rows, and returns plain
rows with their spreadsheet row numbers. ``parse_row`` turns one row into typed values with a
list of problems in Chinese. Nothing here touches the database.
"""

import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from python_calamine import CalamineError, CalamineWorkbook

from portal.identity import (
    id_birth_date,
    id_gender,
    normalize_phone,
    validate_id_number,
    validate_phone,
)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 2000
MAX_ROWS = 50_000
HEADER_SEARCH_ROWS = 30
BLANK_RUN_ENDS_SHEET = 500  # sheets saved by LibreOffice/WPS may claim a million empty rows
FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@\t\r])")
WHITESPACE = re.compile(r"\s+")

# The column names real rosters use, normalised (no spaces, brackets or their contents, slashes,
# asterisks): our own template, the national Party-member information system's export
# (全国党员管理信息系统), university and vendor templates, districts' forms.
HEADERS = {
    "name": ["姓名", "党员姓名"],
    "id_number": ["身份证号", "公民身份号码", "身份证号码", "身份证", "公民身份证号码", "公民身份证号", "证件号码"],
    "gender": ["性别"],
    "ethnicity": ["民族"],
    "birth_date": ["出生日期", "出生年月", "出生年月日", "出生时间"],
    "phone": ["联系电话", "手机号", "手机号码", "电话", "联系方式", "手机", "移动电话", "电话号码"],
    "address": ["家庭住址", "住址", "现住址", "居住地址", "家庭地址", "现居住地", "联系地址", "现居住地址"],
    "education": ["学历", "文化程度", "最高学历", "全日制学历"],
    "employer": ["工作单位", "单位", "工作单位及职务", "所在单位", "工作学习单位", "工作学习单位及职务"],
    "post": ["职务", "现任职务"],
    "joined_on": ["入党时间", "入党日期", "入党年月", "加入党组织日期", "加入党组织时间", "入党年月日"],
    "confirmed_on": ["转正时间", "转正日期", "转为正式党员日期", "成为正式党员时间", "转正年月", "转正年月日"],
    "status": ["党员类别", "党员身份", "正式预备", "预正", "正式或预备", "党员状态"],
    "category": ["人员分类"],
    "management_type": ["管理方式", "党员类型"],
    "branch": ["所在支部", "所在党支部", "党支部", "支部", "所属支部", "所属党支部", "编入党支部", "支部名称"],
    "group": ["所在党小组", "党小组", "小组", "所属党小组"],
    "arrival": ["建档方式", "来源"],
    "external_organization": ["原党组织", "转出单位", "原所在党组织"],
    "letter_number": ["介绍信编号", "介绍信号"],
    "marked_mobile": ["是否流动党员"],
    "lost_contact": ["是否失联党员", "是否为失联党员", "失联党员"],
    "notes": ["备注"],
}
# Names that mean different things in different files: the values decide (see _by_values).
# The national system's 人员类别 holds 正式党员/预备党员; other files' holds 在职/离退休 or a
# staffing type (then it is not ours: only the exact words count). Its 工作岗位 holds employment
# posts (离退休人员, 专业技术人员, 农牧渔民…), read as categories by the words they contain.
STRICT, BY_KEYWORDS = True, False
AMBIGUOUS = {
    "人员类别": (("status", "category"), STRICT),
    "党籍状态": (("status",), STRICT),
    "工作岗位": (("category", "post"), BY_KEYWORDS),
    "岗位": (("category", "post"), BY_KEYWORDS),
}
LABELS = {field_name: names[0] for field_name, names in HEADERS.items()} | {"category": "人员类别"}
# What a column can be mapped to by hand in the preview (and with --map on the command line).
MAPPABLE = [name for name in HEADERS if name not in ("arrival", "external_organization", "letter_number")]
FOOTER_WORDS = ("合计", "总计", "填表人", "填报人", "审核人", "注：", "注:", "说明：", "制表")
RECOGNISED_SHARE = 0.6  # a column is read by its values when this share of them is understood

WORDS = {
    "gender": {"男": "M", "女": "F", "男性": "M", "女性": "F"},
    "status": {
        "正式": "full",
        "正式党员": "full",
        "正": "full",
        "中共党员": "full",
        "预备": "probationary",
        "预备党员": "probationary",
        "预": "probationary",
        "中共预备党员": "probationary",
    },
    "category": {
        "在职": "in_service",
        "在职党员": "in_service",
        "在岗": "in_service",
        "在职在岗": "in_service",
        "退休": "retired",
        "离休": "retired",
        "离退休": "retired",
        "退休党员": "retired",
        "离退休党员": "retired",
        "离退休人员": "retired",
        "下岗": "laid_off",
        "失业": "laid_off",
        "下岗失业": "laid_off",
        "下岗失业人员": "laid_off",
        "个体": "self_employed",
        "私营业主": "self_employed",
        "私营业主、个体": "self_employed",
        "个体户": "self_employed",
        "私营企业主": "self_employed",
        "流动": "mobile",
        "流动党员": "mobile",
        "其他": "other",
    },
    "management_type": {
        "自管": "self_managed",
        "自管党员": "self_managed",
        "在职报到": "in_service",
        "双报到": "in_service",
        "在职报到党员": "in_service",
        "流出": "mobile_out",
        "流出党员": "mobile_out",
        "流入": "mobile_in",
        "流入党员": "mobile_in",
    },
    "arrival": {"登记": "registration", "转入": "transfer_in", "组织关系转入": "transfer_in", "流入": "mobile_in"},
    "flag": {"是": True, "否": False, "Y": True, "N": False, "√": True, "": False, "有": True, "无": False},
}
# Employment posts (the national system's 工作岗位) and education as files write them, by the
# words they contain; the first rule that matches wins, so 离退休人员 is retired, not in service.
CATEGORY_KEYWORDS = [
    (("离休", "退休"), "retired"),
    (("下岗", "失业", "无固定职业", "无业", "待业"), "laid_off"),
    (("个体", "私营"), "self_employed"),
    (("流动",), "mobile"),
    (("学生", "农牧渔民", "农民", "渔民", "牧民", "其他"), "other"),
    (("在职", "在岗", "人员", "职工", "职员", "工人", "干部", "公务员", "教师", "医生", "军人", "管理"), "in_service"),
]
EDUCATION_KEYWORDS = [
    (("博士", "硕士", "研究生"), "postgraduate"),
    (("专科", "大专", "高职"), "college"),  # before 大学: 大学专科 is college
    (("本科", "大学"), "bachelor"),
    (("高中", "中专", "中技", "技校", "职高", "中等专业"), "senior"),
    (("初中",), "junior"),
    (("小学", "文盲", "半文盲"), "primary"),
]


def read_word(field_name, word, strict=False):
    """The register's value for a word as a file writes it, or '' when it is not understood.
    ``strict`` reads only the exact words (to tell a category column from a staffing type)."""
    if field_name == "education":
        return next((value for keys, value in EDUCATION_KEYWORDS if any(k in word for k in keys)), "")
    if field_name == "category" and word not in WORDS["category"] and not strict:
        return next((value for keys, value in CATEGORY_KEYWORDS if any(k in word for k in keys)), "")
    return WORDS[field_name].get(word, "")


FLAGS = ("marked_mobile", "lost_contact")  # yes/no columns


class RosterError(Exception):
    """The file as a whole cannot be read; the message says why, in Chinese."""


@dataclass
class Column:
    """One column of the file and what it is read as (``how``: by its name, by its values, by
    the user's mapping, or not at all)."""

    position: int
    header: str
    field: str = ""
    how: str = ""  # "name", "values", "mapping", "" (not used)

    def as_dict(self):
        return {"position": self.position, "header": self.header, "field": self.field, "how": self.how}


@dataclass
class SheetRows:
    columns: dict  # field name -> column index
    extra_columns: list  # headers nobody asked for
    rows: list  # (spreadsheet row number, [cell values])
    header_row: int
    report: list = field(default_factory=list)  # [Column], one per non-empty header cell
    signature: str = ""  # the header row, normalised: the same layout gets the same mapping
    mapping: dict = field(default_factory=dict)  # the user's choices that were applied

    def apply_mapping(self, mapping):
        """Overrule what was read with the user's choices ({"position": field, or "" to ignore}):
        a chosen column wins over one read automatically; two chosen for one field are refused."""
        chosen = {}
        for column in self.report:
            choice = mapping.get(str(column.position))
            if choice is None:
                continue
            if choice and choice in chosen:
                raise MappingError(
                    f"“{chosen[choice]}”和“{column.header}”两列都对应到了“{LABELS[choice]}”，请只保留一列。"
                )
            column.field, column.how = choice, "mapping"
            if choice:
                chosen[choice] = column.header
        for column in self.report:
            if column.how != "mapping" and column.field in chosen:
                column.field, column.how = "", ""
        self._derive_columns()

    def _derive_columns(self):
        self.columns, self.extra_columns = {}, []
        for column in self.report:
            if column.field and column.field not in self.columns:
                self.columns[column.field] = column.position
            else:
                column.field = ""
                self.extra_columns.append(column.header)
        if "name" not in self.columns:
            raise RosterError(f"没有找到“姓名”列。表格中的列有：{self.headers_found()}。")
        if "id_number" not in self.columns:
            raise RosterError(
                f"没有找到身份证号列（如“公民身份号码”“身份证号”），每位党员都需要身份证号。"
                f"表格中的列有：{self.headers_found()}。"
            )

    def headers_found(self):
        return "、".join(column.header for column in self.report) or "（无）"


@dataclass
class ParsedRow:
    number: int
    values: dict
    problems: list = field(default_factory=list)  # [(column label, reason)]

    def problem(self, field_name, reason):
        self.problems.append((LABELS.get(field_name, field_name), reason))


class MappingError(RosterError):
    """The user's column mapping cannot be applied; the message says why."""


def _normalise_header(text):
    text = unicodedata.normalize("NFKC", str(text or ""))
    text = re.sub(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】", "", text)  # 党籍状态（正式党员或预备党员）
    return re.sub(r"[\s*＊:：/、\\]|必填|选填", "", text)


HEADER_LOOKUP = {_normalise_header(name): field_name for field_name, names in HEADERS.items() for name in names}
ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def check_container(data):
    """Refuse what is not a spreadsheet, too big, or built to explode when opened."""
    from members import sheet_bounds  # it imports this module's limits

    if not data:
        raise RosterError("文件是空的。")
    if len(data) > MAX_FILE_BYTES:
        raise RosterError(f"文件超过{MAX_FILE_BYTES // 1024 // 1024}MB，请拆分后分批导入。")
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = archive.infolist()
        except (zipfile.BadZipFile, ValueError):  # ValueError: an entry name that is not valid UTF-8
            raise RosterError("文件已损坏，无法作为Excel表格打开。") from None
        if len(entries) > MAX_ZIP_ENTRIES:
            raise RosterError("文件内部结构异常（条目过多），已拒绝打开。")
        if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
            raise RosterError("文件解压后体积异常巨大，可能是恶意文件，已拒绝打开。")
        if not any(entry.filename == "xl/workbook.xml" for entry in entries):
            raise RosterError("这不是Excel表格（.xlsx）文件。")
        sheet_bounds.check_xlsx(data)  # first: it counts real bytes, so a lying entry never reaches zipfile
        _refuse_xml_declarations(data, entries)
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        sheet_bounds.check_xls(data)
        return "xls"
    raise RosterError("文件不是Excel表格，请上传 .xlsx 或 .xls 文件。")


def _refuse_xml_declarations(data, entries):
    """Office files never declare a DTD; one that does is trying entity tricks (billion laughs,
    external entities). The declaration must come first, so each part's head is enough."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels")):
                with archive.open(entry) as part:
                    head = part.read(4096)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise RosterError("文件包含不安全的XML声明（DOCTYPE/ENTITY），已拒绝打开。")


def read_roster(data, mapping=None, remembered=None):
    """Rows of the roster in ``data`` (bytes) with the header found and columns read by their
    names and, where a name is ambiguous or unknown, by their values. ``mapping`` overrules
    that; without one, ``remembered(header signature)`` may give the one used last time."""
    check_container(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_index(0)
        raw = _bounded_rows(sheet)
        merged = sheet.merged_cell_ranges or []
    except RosterError:
        raise
    except CalamineError:  # its messages are in English; say it in the users' words
        raise RosterError("无法读取表格，文件可能已损坏或不是受支持的Excel格式。") from None
    except Exception as error:  # a malformed file must never become a server error
        raise RosterError(f"无法读取表格，文件可能已损坏（{type(error).__name__}）。") from None
    if not any(any(_filled(cell) for cell in row) for row in raw):
        raise RosterError("表格中没有数据。")
    _fill_merged(raw, merged)
    header_index = _find_header(raw)
    rows = []
    for index in range(header_index + 1, len(raw)):
        cells = raw[index]
        if not any(_filled(cell) for cell in cells):
            continue
        first = next(str(cell) for cell in cells if _filled(cell))
        if first.strip().startswith(FOOTER_WORDS):
            continue
        rows.append((index + 1, cells))
    if len(rows) > MAX_ROWS:
        raise RosterError(f"表格超过{MAX_ROWS}行，请拆分后分批导入。")
    header = raw[header_index]
    sheet_rows = SheetRows(
        columns={},
        extra_columns=[],
        rows=rows,
        header_row=header_index + 1,
        report=_read_columns(header, rows),
        signature="|".join(_normalise_header(cell) for cell in header),
    )
    if mapping is None and remembered is not None:
        mapping = remembered(sheet_rows.signature)
    sheet_rows.mapping = mapping or {}
    sheet_rows.apply_mapping(sheet_rows.mapping)
    return sheet_rows


def _bounded_rows(sheet):
    rows, blank_run = [], 0
    for row in sheet.iter_rows():
        if any(_filled(cell) for cell in row):
            blank_run = 0
        else:
            blank_run += 1
            if blank_run > BLANK_RUN_ENDS_SHEET:
                break
        rows.append(list(row))
        if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS + BLANK_RUN_ENDS_SHEET:
            raise RosterError(f"表格超过{MAX_ROWS}行，请拆分后分批导入。")
    while rows and not any(_filled(cell) for cell in rows[-1]):
        rows.pop()
    return rows


def _filled(cell):
    return cell is not None and str(cell).strip() != ""


def _fill_merged(rows, merged):
    """A value written once over a merged block (a branch over its rows) applies to every cell."""
    for (top, left), (bottom, right) in merged:
        if top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            for c in range(left, right + 1):
                if c < len(rows[r]) and not _filled(rows[r][c]):
                    rows[r][c] = value


def _find_header(rows):
    """The row with 姓名 that names the most known columns, among the first rows."""
    best_score, best_index = 0, None
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = [_normalise_header(cell) for cell in row]
        score = len({HEADER_LOOKUP.get(name) or AMBIGUOUS.get(name) for name in names} - {None})
        if score > best_score and "name" in {HEADER_LOOKUP.get(name) for name in names}:
            best_score, best_index = score, index
    if best_index is None:
        raise RosterError("没有找到表头：表格前30行中应有一行包含“姓名”“身份证号”等列名。")
    return best_index


def _read_columns(header, rows):
    """What each header cell is read as: by its name, or by its values when the name is
    ambiguous (人员类别, 工作岗位) or unknown and the values look like ID numbers."""
    report, taken = [], set()
    for position, cell in enumerate(header):
        if not _filled(cell):
            continue
        name = _normalise_header(cell)
        column = Column(position, str(cell).strip())
        if name in HEADER_LOOKUP:
            column.field, column.how = HEADER_LOOKUP[name], "name"
        elif name in AMBIGUOUS:
            column.field = _by_values(*AMBIGUOUS[name], _sample(rows, position))
            column.how = "values" if column.field else ""
        if column.field in taken:  # a second 联系电话: the first one counts
            column.field, column.how = "", ""
        taken.add(column.field)
        report.append(column)
    if "id_number" not in taken:
        _find_id_column_by_values(report, rows)
    return report


def _sample(rows, position, size=200):
    values = (text(cells[position]) for _n, cells in rows if position < len(cells))
    return [WHITESPACE.sub("", value) for value in values if value][:size]


def _by_values(candidates, strict, values):
    """The first candidate field most of whose values are understood, or ''."""
    for field_name in candidates:
        if field_name == "post":  # free text: what is left when nothing else reads the values
            return field_name
        understood = sum(1 for value in values if read_word(field_name, value, strict))
        if values and understood >= RECOGNISED_SHARE * len(values):
            return field_name
    return ""


def _find_id_column_by_values(report, rows):
    for column in report:
        values = _sample(rows, column.position)
        looks_like_ids = sum(bool(ID_LIKE.match(v)) for v in values) >= RECOGNISED_SHARE * len(values)
        if not column.field and values and looks_like_ids:
            column.field, column.how = "id_number", "values"
            return


# -- values as people type them -------------------------------------------------------------------

DATE_PATTERNS = [
    re.compile(r"^(\d{4})[.\-/年](\d{1,2})[.\-/月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})[.\-/年](\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})(\d{2})$"),
]


def parse_date(value):
    """A date from an Excel date, 1985.07, 1985年7月, 1985-7-1, 1985/7/1 or 19850701; month alone → day 1."""
    found = parse_date_and_precision(value)
    return found[0] if found else None


def parse_date_and_precision(value):
    """(date, whether a day was given), or None when the value is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date(), True
    if isinstance(value, datetime.date):
        return value, True
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):  # 1985.07 typed into a number cell
        value = f"{value:.2f}"
    text = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "")
    for pattern in DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = [int(part) for part in match.groups()]
            try:
                return datetime.date(parts[0], parts[1], parts[2] if len(parts) > 2 else 1), len(parts) > 2
            except ValueError:
                return None
    return None


def text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value)
    if not result.isascii():  # full-width digits, letters and spaces become plain ones
        result = unicodedata.normalize("NFKC", result)
    result = result.strip()
    if result.startswith("'"):
        result = FORMULA_ESCAPE.sub("", result)  # our own exports escape =, +, - and @ with a quote
    return result


def parse_row(number, cells, columns):
    """Typed values of one row and its problems; only the problems of the cell itself, not the register."""

    def cell(field_name):
        position = columns.get(field_name)
        return cells[position] if position is not None and position < len(cells) else None

    row = ParsedRow(number, {})
    values = row.values
    values["name"] = WHITESPACE.sub("", text(cell("name")))
    if not values["name"]:
        row.problem("name", "姓名为空。")
    raw_id = cell("id_number")
    if isinstance(raw_id, (int, float)) or re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text(raw_id)):
        row.problem(
            "id_number", "身份证号被Excel存成了数字，末几位已丢失；请把该列设为“文本”后重新填写，系统不会猜测。"
        )
    else:
        try:
            values["id_number"] = validate_id_number(text(raw_id))
        except Exception as error:  # ValidationError with a Chinese message
            row.problem("id_number", getattr(error, "messages", [str(error)])[0])
    number_ok = "id_number" in values
    for field_name in (
        "ethnicity",
        "address",
        "employer",
        "post",
        "notes",
        "external_organization",
        "letter_number",
        "branch",
        "group",
    ):
        values[field_name] = text(cell(field_name))
    values["branch"] = WHITESPACE.sub("", values["branch"])
    values["group"] = WHITESPACE.sub("", values["group"])
    try:
        values["phone"] = validate_phone(text(cell("phone")))
    except Exception as error:
        values["phone"] = normalize_phone(text(cell("phone")))
        row.problem("phone", error.messages[0])
    for field_name in ("gender", "status", "category", "management_type", "education", "arrival"):
        word = WHITESPACE.sub("", text(cell(field_name)))
        values[field_name] = read_word(field_name, word) if word else ""
        if word and not values[field_name]:
            choices = WORDS.get(field_name) or {label: 1 for keys, _v in EDUCATION_KEYWORDS for label in keys[:1]}
            row.problem(field_name, f"无法识别“{word}”，可填：{'、'.join(sorted(set(choices)))}。")
    for field_name in FLAGS:
        word = WHITESPACE.sub("", text(cell(field_name))).upper()
        values[field_name] = WORDS["flag"].get(word, False)
        if word not in WORDS["flag"]:
            row.problem(field_name, f"无法识别“{word}”，请填“是”或“否”。")
    for field_name in ("birth_date", "joined_on", "confirmed_on"):
        raw = cell(field_name)
        found = parse_date_and_precision(raw) if _filled(raw) else None
        values[field_name] = found[0] if found else None
        values[f"{field_name}_has_day"] = bool(found and found[1])
        if _filled(raw) and values[field_name] is None:
            row.problem(field_name, f"日期“{text(raw)}”无法识别，请写成 1985-07-01 或 1985年7月 等形式。")
    if number_ok:
        _check_against_id(row)
    _check_dates(row)
    values["management_type"] = values["management_type"] or "self_managed"
    return row


def _check_against_id(row):
    values = row.values
    number = values["id_number"]
    birth, from_id = values["birth_date"], id_birth_date(number)
    # 出生年月 often gives the month alone: then only year and month are compared.
    same = (
        birth == from_id if values["birth_date_has_day"] else birth and birth.timetuple()[:2] == from_id.timetuple()[:2]
    )
    if birth and not same:
        row.problem("birth_date", "出生日期与身份证号中的出生日期不符。")
    gender = id_gender(number)
    if values["gender"] and values["gender"] != gender:
        row.problem("gender", f"性别与身份证号不符（身份证号为{'男' if gender == 'M' else '女'}）。")
    values["birth_date"] = id_birth_date(number)
    values["gender"] = gender


def _check_dates(row):
    values, today = row.values, datetime.date.today()
    joined, birth = values["joined_on"], values["birth_date"]
    if joined is None:  # optional: a member without it is a data-quality item, not a rejection
        return
    if joined > today:
        row.problem("joined_on", "入党时间不能晚于今天。")
    elif birth and (joined.year - birth.year - ((joined.month, joined.day) < (birth.month, birth.day))) < 18:
        row.problem("joined_on", "入党时应年满18周岁。")
    if values["confirmed_on"] and values["confirmed_on"] < joined:
        row.problem("confirmed_on", "转正时间不能早于入党时间。")
