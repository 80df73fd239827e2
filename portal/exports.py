"""xlsx exports: a subclass names its title and columns and yields rows; the base writes a
printable sheet, neutralises formula-like text and audits the export."""

import datetime
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.models import AuditEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value):
    """Text that no spreadsheet will run as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class XlsxExport:
    title = ""
    columns = []  # [(header, width)]

    def rows(self):
        raise NotImplementedError

    def subtitle(self):
        return f"导出时间：{datetime.datetime.now():%Y-%m-%d %H:%M}"

    def workbook(self):
        book = Workbook()
        sheet = book.active
        sheet.title = self.title[:31]
        sheet.append([self.title])
        sheet["A1"].font = Font(size=14, bold=True)
        sheet.append([self.subtitle()])
        sheet.append([header for header, _width in self.columns])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        count = 0
        for row in self.rows():
            sheet.append([safe_text(value) for value in row])
            count += 1
        for index, (_header, width) in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.print_title_rows = "3:3"  # the header repeats on every printed page
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.freeze_panes = "A4"
        self.count = count
        return book

    def response(self, request, filename):
        buffer = BytesIO()
        self.workbook().save(buffer)
        AuditEntry.record(request, AuditEntry.Action.EXPORT, summary=f"导出{self.title}（{self.count}行）：{filename}")
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response
