"""Files built to take the importer down (issue 10, item 3).

Each hostile file is read by ``read_roster`` in a child process capped at 1 GiB of address space:
the child must end normally, say why in Chinese, and stay under 300 MB. Without the bounds the
far-cell files abort the process (calamine asks for gigabytes at once) and the smaller ones take
gigabytes. The rest are quick checks in this process, and a comparison with calamine itself of
where cells land.
"""

import io
import random
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from members import sheet_bounds
from members.roster import RosterError, read_roster
from tests.members.hostile import HEADER, cell, far_cell, lying_about_size, many_rows, read_in_child, xls, xlsx

BOUNDS = "超出了可导入的范围（最多200列、50000行）"
MB = 1024 * 1024


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    """name -> path of each hostile file, written once per session."""
    folder = tmp_path_factory.mktemp("hostile")
    files = {
        "XFD1048576": far_cell("XFD1048576"),
        "A1048576": far_cell("A1048576"),
        "XFD1": far_cell("XFD1"),
        "dimension lies": xlsx(HEADER + cell("ZZ200000"), dimension="A1:B2"),
        "cells without references": xlsx(HEADER + b'<row r="1048576"><c><v>1</v></c></row>'),
        "grid too big": far_cell("GR50000"),
        "lying zip": lying_about_size(many_rows(2000)),
        "200,000 rows": many_rows(200_000),
        "xls far cell": xls([(0, 0, "姓名"), (0, 1, "身份证号"), (65535, 16383, 1)]),
        "xls IV65536": xls([(0, 0, "姓名"), (0, 1, "身份证号"), (65535, 255, 1)]),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = folder / f"{len(paths)}.bin"
        paths[name].write_bytes(data)
    return paths


@pytest.mark.parametrize(
    "name, message",
    [
        ("XFD1048576", f"表格在第1048576行、第16384列（XFD1048576单元格）还有内容，{BOUNDS}"),
        ("A1048576", "（A1048576单元格）还有内容"),
        ("XFD1", "（XFD1单元格）还有内容"),
        ("dimension lies", "（ZZ200000单元格）还有内容"),
        ("cells without references", "（A1048576单元格）还有内容"),
        ("grid too big", "最多200万个单元格"),
        ("lying zip", "解压后的大小与声明不符"),
        ("200,000 rows", "表格超过50000行，请拆分后分批导入。"),
        ("xls far cell", "可导入的范围最多200列、50000行"),
        ("xls IV65536", "可导入的范围最多200列、50000行"),
    ],
)
def test_it_refuses_each_hostile_file_within_bounded_memory(hostile, name, message):
    exit_code, answer = read_in_child(hostile[name])
    assert exit_code == 0, "the reading process died"
    assert message in answer["message"]
    assert answer["rss"] < 300 * MB


def test_it_still_reads_a_sheet_whose_formatting_reaches_the_last_row(tmp_path):
    # WPS and LibreOffice save formatted empty rows and cells far out; calamine ignores them
    formatted = b'<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="1"/><c r="XFC1048576" s="1"></c></row>'
    path = tmp_path / "formatted.xlsx"
    path.write_bytes(xlsx(HEADER + b'<row r="2">' + cell("A2", "2") + b"</row>" + formatted, "A1:XFD1048576"))
    exit_code, answer = read_in_child(path)
    assert exit_code == 0 and answer["rows"] == 1 and answer["rss"] < 300 * MB


def refused(data):
    with pytest.raises(RosterError) as error:
        read_roster(data)
    return str(error.value)


def test_it_refuses_a_zip_that_would_be_read_as_another_format():
    # an .xlsx calamine cannot open is tried as .ods, whose repeated cells are a bomb of their own
    data = xlsx(HEADER, extra={"content.xml": "<x/>"})
    assert "混有其他格式" in refused(data)


def test_it_refuses_two_parts_with_one_name_ignoring_case():
    data = xlsx(HEADER, extra={"XL/worksheets/Sheet1.xml": "<worksheet/>"})
    assert "条目重名" in refused(data)


def test_it_refuses_a_dtd_hidden_after_the_first_four_kilobytes():
    comment = b"<!--" + b" " * 8000 + b"-->"
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx(HEADER))) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"?>", b"?>" + comment + b'<!DOCTYPE x [<!ENTITY a "b">]>', 1)
            target.writestr(info.filename, content)
    assert "不安全的XML声明" in refused(buffer.getvalue())


def test_it_refuses_too_many_or_too_wide_merged_ranges():
    many = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (n, n) for n in range(3, 20_010))
    many = b"<mergeCells>" + many + b"</mergeCells>"
    assert "合并单元格超过20000处" in refused(xlsx(HEADER, tail=many))
    wide = b'<mergeCells><mergeCell ref="A2:XFD1048576"/></mergeCells>'
    assert "合并单元格范围过大（A2:XFD1048576）" in refused(xlsx(HEADER, tail=wide))


def test_it_refuses_more_shared_strings_than_any_roster_has():
    strings = b"<sst>" + b"<si><t>x</t></si>" * (sheet_bounds.MAX_SHARED_STRINGS + 1) + b"</sst>"
    assert "文字条目超过100万条" in refused(xlsx(HEADER, extra={"xl/sharedStrings.xml": strings}))


def test_it_refuses_one_endless_text():
    endless = b'<row r="2"><c r="A2" t="inlineStr"><is><t>' + b"x" * (2 * MB) + b"</t></is></c></row>"
    assert "内容过长" in refused(xlsx(HEADER + endless))


def test_a_sheet_in_utf16_is_not_taken_for_an_empty_one():
    # calamine reads no cells from it today; were it to decode UTF-16 one day, the scan must not be blind
    sheet = '<worksheet><sheetData><row r="9"><c r="ZZ9"><v>1</v></c></row></sheetData></worksheet>'
    body = b"\xff\xfe" + sheet.encode("utf-16-le")
    assert not sheet_bounds._QuickScan().settles([body])
    for encoded in (body, body[2:]):  # expat follows the byte order mark; without one it stops at the first NUL
        with pytest.raises(RosterError):
            sheet_bounds._parse([encoded], sheet_bounds._SheetScan())


def test_a_legacy_xls_within_bounds_reads():
    sheet = read_roster(xls([(0, 0, "姓名"), (0, 1, "身份证号"), (1, 0, "张三"), (1, 1, "110101196001010011")]))
    assert [cells[:2] for _number, cells in sheet.rows] == [["张三", "110101196001010011"]]


# -- where calamine puts cells, compared -----------------------------------------------------------


def random_rows(rnd):
    """Rows mixing what the scan must follow: references or none, empty and self-closed elements,
    values, formulas without values, inline strings, a namespace prefix."""
    rows = []
    for _ in range(rnd.randint(1, 8)):
        row_ref = f' r="{rnd.randint(1, 40)}"' if rnd.random() < 0.5 else ""
        if rnd.random() < 0.15:
            rows.append(f"<row{row_ref}/>")
            continue
        cells = []
        for _ in range(rnd.randint(0, 6)):
            column = sheet_bounds._column_name(rnd.randint(0, 30))
            ref = f' r="{column}{rnd.randint(1, 40)}"' if rnd.random() < 0.4 else ""
            c = rnd.choice(["c", "x:c"])
            cells.append(
                rnd.choice(
                    [
                        f"<{c}{ref}><v>{rnd.randint(0, 9)}</v></{c}>",
                        f"<{c}{ref}></{c}>",
                        f"<{c}{ref}/>",
                        f"<{c}{ref}><f>1+1</f></{c}>",
                        f'<{c}{ref} t="inlineStr"><is><t>x</t></is></{c}>',
                    ]
                )
            )
        rows.append(f"<row{row_ref}>{''.join(cells)}</row>")
    return "".join(rows).encode()


def test_the_scan_puts_every_value_where_calamine_does():
    rnd = random.Random(10)
    for _ in range(400):
        rows = random_rows(rnd)
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(xlsx(rows))).get_sheet_by_index(0)
        expected = tuple(sheet.end) if sheet.end is not None else (-1, -1)
        body = b"<worksheet><sheetData>" + rows + b"</sheetData></worksheet>"
        scan = sheet_bounds._parse([body], sheet_bounds._SheetScan())
        assert (scan.far_row, scan.far_col) == expected, rows
        quick = sheet_bounds._QuickScan()
        if quick.settles([body]):  # only when every cell, with a value or not, has a plain reference
            far_col = max((sheet_bounds._reference(f"{c.decode()}1")[1] for c in quick.columns), default=-1)
            assert quick.far_row >= expected[0] and far_col >= expected[1], rows
