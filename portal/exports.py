"""xlsx exports: a subclass names its title and columns and yields rows; the base writes a
printable sheet, neutralises formula-like text and audits the export."""

import datetime
import re
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.models import AuditEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses these in a sheet's name; their full-width forms read the same to a Chinese reader.
SHEET_NAME = str.maketrans("/\\?*[]:", "／＼？＊【】：")


def safe_text(value):
    """Text that no spreadsheet will run as a formula (CSV/formula injection)."""
    if isinstance(value, Promise):  # a lazily translated label
        value = str(value)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters: openpyxl refuses to write them
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def sheet_name(title):
    """A name Excel accepts for a sheet: no / \\ ? * [ ] :, at most 31 characters, not quoted."""
    name = ILLEGAL_CHARACTERS_RE.sub("", str(title)).translate(SHEET_NAME)[:31].strip("'")
    return name or "Sheet"


def content_disposition(filename):
    """An attachment header for any file name (RFC 6266): the name itself UTF-8 encoded, and an
    ASCII fallback for old clients in which nothing can end the quoted string or the header."""
    stem, dot, extension = filename.rpartition(".")
    if not dot:
        stem, extension = filename, ""
    fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-") or "download"
    if extension:
        fallback += "." + re.sub(r"[^A-Za-z0-9]+", "", extension)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def add_sheet(book, title, subtitle, columns, rows):
    """A printable sheet: title, subtitle, a header repeated on every page, A4 landscape."""
    sheet = book.create_sheet(sheet_name(title))
    sheet.append([safe_text(title)])
    sheet["A1"].font = Font(size=14, bold=True)
    sheet.append([safe_text(subtitle)])
    sheet.append([safe_text(header) for header, _width in columns])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    count = 0
    for row in rows:
        sheet.append([safe_text(value) for value in row])
        count += 1
    for index, (_header, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.print_title_rows = "3:3"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.freeze_panes = "A4"
    return count


def workbook_response(request, book, filename, summary):
    """Send ``book`` as a download and audit the export."""
    buffer = BytesIO()
    book.save(buffer)
    AuditEntry.record(request, AuditEntry.Action.EXPORT, summary=f"{summary}：{filename}")
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition(filename)
    return response


class XlsxExport:
    """One sheet; a subclass names its title and columns and yields rows."""

    title = ""
    columns = []  # [(header, width)]

    def rows(self):
        raise NotImplementedError

    def subtitle(self):
        return f"导出时间：{datetime.datetime.now():%Y-%m-%d %H:%M}"

    def build(self):
        book = Workbook()
        book.remove(book.active)
        count = add_sheet(book, self.title, self.subtitle(), self.columns, self.rows())
        return book, count

    def response(self, request, filename):
        book, count = self.build()
        return workbook_response(request, book, filename, f"导出{self.title}（{count}行）")

    def save(self, path, actor=None):
        """Write the file (the command-line exports); audited like a download."""
        book, count = self.build()
        book.save(path)
        AuditEntry.record(actor, AuditEntry.Action.EXPORT, summary=f"导出{self.title}（{count}行）：{path}")
        return count
