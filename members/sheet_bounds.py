"""Bounds on what a roster file can make the spreadsheet reader allocate, checked before it reads.

python-calamine (Rust) builds one dense grid from the sheet's first to its farthest cell holding a
value, 32 bytes a cell (about 64 for .xls), and aborts the whole process when that allocation
fails; Python cannot catch it. One value at XFD1048576 asks for 512 GiB; one at ZZ200000 for 4.5
GB. The declared ``<dimension>`` is harmless: calamine reserves from it only below 100,000 cells.
So before calamine sees a file:

- .xlsx (``check_xlsx``): every zip entry is inflated here with a byte cap, counting the real bytes
  (a zip's declared sizes can lie); the first worksheet's XML is streamed through expat, following
  cell positions exactly as calamine does (``r`` references, else counted along ``<c>`` and
  ``</row>``), and a value beyond 200 columns or the row limit, or a grid of more than
  MAX_SHEET_CELLS cells, is refused; so are too many shared strings and oversized merged ranges.
- .xls (``check_xls``): BIFF says where a cell is in a dozen record types, and calamine also trusts
  counts in the file for its allocations; mirroring all that is not cheap. Calamine itself opens
  the sheet in a child process with a memory cap and reports the grid's size and its own peak
  memory, or dies: the child can, the worker cannot.
"""

import io
import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from xml.parsers import expat

from members.roster import BLANK_RUN_ENDS_SHEET, HEADER_SEARCH_ROWS, MAX_ROWS, MAX_UNCOMPRESSED_BYTES, RosterError

MAX_COLUMNS = 200
MAX_SHEET_ROWS = MAX_ROWS + HEADER_SEARCH_ROWS + BLANK_RUN_ENDS_SHEET  # the rows read_roster may walk through
# From A1 to the farthest value: calamine's grid (64 MB) and the Python rows read_roster builds over it.
MAX_SHEET_CELLS = 2_000_000
MAX_MERGED_RANGES = 20_000
MAX_MERGED_CELLS = MAX_SHEET_CELLS  # read_roster fills merged ranges cell by cell
MAX_SHARED_STRINGS = 1_000_000  # calamine holds every one, used or not
MAX_SHARED_STRINGS_BYTES = 48 * 1024 * 1024
MAX_PART_BYTES = 16 * 1024 * 1024  # workbook, its relationships, styles: read whole by calamine
MAX_RUN_BYTES = 1024 * 1024  # text or a tag between two angle brackets; a cell holds at most 32,767 characters
SHARED_STRINGS, STYLES = "xl/sharedstrings.xml", "xl/styles.xml"
# When a zip is not a workbook calamine can open, it tries it as .xlsb and as .ods, which have bombs of their own.
OTHER_FORMATS = ("content.xml", "xl/workbook.bin")
CHUNK = 64 * 1024

PROBE_MEMORY = 1024 * 1024 * 1024  # address space of the .xls child: it may fail, the machine may not
PROBE_SECONDS = 60
MAX_READ_RSS = 300 * 1024 * 1024  # what reading one sheet may cost

CORRUPT = "文件已损坏，无法作为Excel表格打开。"
UNSAFE_XML = "文件包含不安全的XML声明（DOCTYPE/ENTITY），已拒绝打开。"
HUGE = "文件解压后体积异常巨大，可能是恶意文件，已拒绝打开。"
NO_SHEET = "文件中没有找到工作表。"
MALFORMED = "表格文件的内部格式有误，无法读取。请用Excel打开后另存为.xlsx再上传。"
BOUNDS = f"超出了可导入的范围（最多{MAX_COLUMNS}列、{MAX_ROWS}行）"
TOO_MANY_ROWS = f"表格超过{MAX_ROWS}行，请拆分后分批导入。"


def check_xlsx(data):
    """Refuse an .xlsx whose first sheet, strings or parts would make calamine allocate beyond bounds."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = _entries(archive)
            _Package(data, entries).check()
    except RosterError:
        raise
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError, ValueError, RuntimeError):
        raise RosterError(CORRUPT) from None
    except NotImplementedError:
        raise RosterError("文件使用了不支持的压缩方式，请用Excel另存为.xlsx后重新上传。") from None


def _entries(archive):
    """{name as calamine finds it (ignoring case): entry}, each opened once so its header is checked."""
    entries = {}
    for info in archive.infolist():
        key = _key(info.filename)
        if key in entries:  # two parts one name: this reader and calamine could each take another
            raise RosterError("文件内部结构异常（条目重名），已拒绝打开。")
        if key in OTHER_FORMATS:
            raise RosterError("文件内部结构异常（混有其他格式的表格内容），已拒绝打开。")
        if info.flag_bits & 0x1:
            raise RosterError("文件已加密，请在Excel中取消密码后重新上传。")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise NotImplementedError
        archive.open(info).close()  # the local header must agree with the directory
        entries[key] = info
    return entries


def _key(name):
    """A part's name as calamine looks it up: ignoring ASCII case, either slash."""
    return name.replace("\\", "/").lower()


class _Package:
    """One pass over every part of the zip, counting the bytes it really inflates to."""

    def __init__(self, data, entries):
        self.data, self.entries = data, entries
        self.budget = MAX_UNCOMPRESSED_BYTES

    def check(self):
        relationships = _parse([self.whole("xl/_rels/workbook.xml.rels")], _Relationships())
        sheet = self.first_sheet(relationships, self.whole("xl/workbook.xml"))
        self.check_sheet(sheet)
        checked = {"xl/_rels/workbook.xml.rels", "xl/workbook.xml", sheet}
        # calamine may find strings and styles by name or through the relationships: bound both
        for name in {SHARED_STRINGS, *relationships.parts("sharedStrings")} & self.entries.keys() - checked:
            _count_shared_strings(self.chunks(name, MAX_SHARED_STRINGS_BYTES))
            checked.add(name)
        for name in {STYLES, *relationships.parts("styles")} & self.entries.keys() - checked:
            self.drain(name, MAX_PART_BYTES)
            checked.add(name)
        for name in self.entries.keys() - checked:  # not read by calamine, but inflated all the same
            self.drain(name, MAX_UNCOMPRESSED_BYTES)

    def check_sheet(self, name):
        """The quick pass settles the files people send; whatever it cannot settle is parsed exactly."""
        budget = self.budget
        if _QuickScan().settles(self.chunks(name, MAX_UNCOMPRESSED_BYTES)):
            return
        self.budget = budget  # the same bytes once more
        _parse(self.chunks(name, MAX_UNCOMPRESSED_BYTES), _SheetScan())

    def whole(self, name):
        """A small part calamine reads whole: workbook.xml and its relationships."""
        if name not in self.entries:
            raise RosterError(NO_SHEET)
        return b"".join(self.chunks(name, MAX_PART_BYTES))

    def drain(self, name, cap):
        for _chunk in self.chunks(name, cap):
            pass

    def first_sheet(self, relationships, workbook):
        """The part calamine reads as sheet 0, found the way calamine finds it."""
        name = relationships.part(_parse([workbook], _FirstSheet()).relationship)
        if name is None:
            raise RosterError(NO_SHEET)
        if name.split("/")[1:2] != ["worksheets"] or name not in self.entries:
            raise RosterError("文件的第一个工作表不是数据表，请把花名册放在第一个工作表。")
        return name

    def chunks(self, name, cap):
        """The part's real bytes, inflated a chunk at a time; its declared size is only compared."""
        info = self.entries[name]
        produced, crc = 0, 0
        for piece in _inflate(self.data, info):
            produced += len(piece)
            self.budget -= len(piece)
            if produced > info.file_size:
                raise RosterError("文件内部结构异常（解压后的大小与声明不符），可能是恶意文件，已拒绝打开。")
            if self.budget < 0:
                raise RosterError(HUGE)
            if produced > cap:
                raise RosterError(f"文件内部结构异常（{info.filename}过大），已拒绝打开。")
            crc = zlib.crc32(piece, crc)
            yield piece
        if produced != info.file_size or crc != info.CRC:
            raise RosterError(CORRUPT)


def _inflate(data, info):
    at = info.header_offset
    if data[at : at + 4] != b"PK\x03\x04":
        raise RosterError(CORRUPT)
    name_length, extra_length = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_length + extra_length
    raw = memoryview(data)[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise RosterError(CORRUPT)
    if info.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(raw), CHUNK):
            yield bytes(raw[offset : offset + CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    for offset in range(0, len(raw), CHUNK):
        pending = raw[offset : offset + CHUNK]
        while pending and not inflater.eof:
            piece = inflater.decompress(pending, CHUNK)  # at most CHUNK out, however well it compresses
            pending = inflater.unconsumed_tail
            if piece:
                yield piece
        if inflater.eof:
            return
    while not inflater.eof:  # output zlib held back at the end of the input
        piece = inflater.decompress(b"", CHUNK)
        if not piece:
            raise RosterError(CORRUPT)  # the deflate stream stops short
        yield piece


# -- XML, streamed -------------------------------------------------------------------------------


def _parse(chunks, handler):
    """Feed ``chunks`` to expat, as UTF-8 whatever the file declares (calamine does not transcode)."""
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    run = 0
    try:
        for chunk in chunks:
            run = _bracket_run(chunk, run)
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        raise RosterError(MALFORMED) from None
    return handler


def _refuse_dtd(*_args):
    raise RosterError(UNSAFE_XML)


def _bracket_run(chunk, run):
    """Bytes since the last < or >: one endless tag or text would be held whole by both parsers.
    Streamed chunks are at most 64 KB; the two parts passed whole are capped at MAX_PART_BYTES."""
    brackets = [at for at in (chunk.find(b"<"), chunk.find(b">")) if at >= 0]
    if run + (min(brackets) if brackets else len(chunk)) > MAX_RUN_BYTES:
        raise RosterError("表格中有一段内容过长（超过1MB），已拒绝打开。")
    if not brackets:
        return run + len(chunk)
    return len(chunk) - max(chunk.rfind(b"<"), chunk.rfind(b">")) - 1


def _safe_cut(text):
    """Where to split ``text`` so that no tag pattern is cut in two: the patterns here start with
    '<' and end at the latest at the next '>'. What follows the cut, an unclosed tag, is at most
    MAX_RUN_BYTES long, so carrying it over to the next chunk stays cheap."""
    opened, closed = text.rfind(b"<"), text.rfind(b">")
    return opened if opened > closed else len(text)


def _local(name):
    return name.rpartition(":")[2]


class _Relationships:
    """Id → (Type, Target) of ``xl/_rels/workbook.xml.rels``; a repeated Id keeps its last, as in calamine."""

    def __init__(self):
        self.targets, self.closed = {}, False

    def start(self, name, attributes):
        if not self.closed and _local(name) == "Relationship":
            values = [attributes.get(key, "") for key in ("Id", "Type", "Target")]
            # expat unescapes and normalises whitespace in values that calamine compares raw
            if any("&" in value or " " in value for value in values):
                raise RosterError(MALFORMED)
            self.targets[values[0]] = values[1:]

    def end(self, name):
        self.closed = self.closed or _local(name) == "Relationships"

    def part(self, relationship):
        """The zip entry (its name as looked up) a relationship points at, with calamine's path rule."""
        if relationship not in self.targets:
            return None
        target = self.targets[relationship][1]
        if target.startswith("/xl/"):
            target = target[1:]
        elif not target.startswith("xl/"):
            target = f"xl/{target}"
        return _key(target)

    def parts(self, kind):
        return {self.part(key) for key, (typ, _t) in self.targets.items() if typ.rpartition("/")[2] == kind}


class _FirstSheet:
    """The relationship id of the first ``<sheet>`` in ``xl/workbook.xml``, as calamine reads it: not
    in the content of a named ``<definedName>``, which it skips up to the first end tag of that
    name, and not after ``</workbook>``."""

    def __init__(self):
        self.relationship, self.skip_to, self.closed = None, None, False

    def start(self, name, attributes):
        local = _local(name)
        if self.skip_to or self.closed or self.relationship is not None:
            return
        if local == "definedName" and "name" in attributes:
            self.skip_to = name
        elif local == "sheet":
            # calamine takes the later of the two spellings when both are given
            ids = [attributes[key] for key in attributes if key in ("r:id", "relationships:id")]
            self.relationship = ids[-1] if ids else ""

    def end(self, name):
        if self.skip_to == name:
            self.skip_to = None
        elif not self.skip_to:
            self.closed = self.closed or _local(name) == "workbook"


class _SheetScan:
    """Follows cell positions as calamine's cell reader does, and refuses the first value out of
    bounds. A ``<row r>`` sets the row, ``</row>`` moves to the next one and back to column A; a
    ``<c r>`` sets the column, a ``<c>`` without one takes the next column. Only cells with a
    ``<v>`` or ``<is>`` count: calamine drops empty (formatted) cells, however far out they are."""

    def __init__(self):
        self.state = "before"  # "data" inside <sheetData>, then "after"
        self.row = self.col = 0
        self.cell = None  # [row, column, has a value] of the open <c>
        self.depth = 0  # elements open inside that <c>
        self.far_row = self.far_col = -1
        self.value_rows, self.last_value_row = 0, -1
        self.merged_ranges = self.merged_cells = 0

    def start(self, name, attributes):
        local = _local(name)
        if self.cell is not None:
            self.depth += 1
            if self.depth == 1 and local in ("v", "is"):
                self.cell[2] = True
        elif local == "mergeCell":
            self.merge(attributes.get("ref", ""))
        elif self.state == "before" and local == "sheetData":
            self.state = "data"
        elif self.state == "data" and local == "row" and "r" in attributes:
            self.row = _row_number(attributes["r"]) - 1
        elif self.state == "data" and local == "c":
            row, col = _reference(attributes["r"]) if "r" in attributes else (self.row, self.col)
            self.col = col
            self.cell, self.depth = [row, col, False], 0

    def end(self, name):
        local = _local(name)
        if self.cell is not None and self.depth:
            self.depth -= 1
        elif self.cell is not None:  # the </c> of the open cell
            row, col, has_value = self.cell
            self.cell, self.col = None, self.col + 1
            if has_value:
                self.value(row, col)
        elif self.state == "data" and local == "row":
            self.row, self.col = self.row + 1, 0
        elif self.state == "data" and local == "sheetData":
            self.state = "after"

    def value(self, row, col):
        if row != self.last_value_row:
            self.value_rows, self.last_value_row = self.value_rows + 1, row
        if col >= MAX_COLUMNS or row >= MAX_SHEET_ROWS:
            raise RosterError(TOO_MANY_ROWS if self.value_rows > MAX_ROWS else _far_cell(row, col))
        self.far_row, self.far_col = max(self.far_row, row), max(self.far_col, col)
        _check_grid(self.far_row + 1, self.far_col + 1)

    def merge(self, ref):
        first, _colon, last = ref.partition(":")
        (top, left), (bottom, right) = _reference(first), _reference(last or first)
        self.merged_ranges += 1
        self.merged_cells += _merged_cost(top, left, bottom, right)
        _check_merges(self.merged_ranges, self.merged_cells, ref)


class _QuickScan:
    """A pass at the speed of ``re`` for sheets as Excel, WPS, LibreOffice and openpyxl write them,
    every cell starting ``<c r="B7"``: then calamine puts each cell where its reference says. It
    settles the file when every cell, holding a value or not, is within bounds, and gives up on
    anything else (a cell without a reference, another spelling, a DTD, one cell out of bounds),
    leaving the file to the exact pass. Matches inside comments only make it give up sooner."""

    TAG = re.compile(rb"<(?:[^\s<>/!?\"'=]+:)?c[\s/>]")  # any start tag of an element named c
    REFERENCE = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')
    MERGE_TAG = re.compile(rb"<(?:[^\s<>/!?\"'=]+:)?mergeCell[\s/>]")
    MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3}[0-9]{1,7})(?::([A-Z]{1,3}[0-9]{1,7}))?"')
    DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
    BUFFER = 1024 * 1024

    def __init__(self):
        self.settled, self.far_row, self.columns = True, -1, set()
        self.merged_ranges = self.merged_cells = 0

    def settles(self, chunks):
        buffer, run = b"", 0
        for chunk in chunks:  # read to the end even after giving up: sizes and checksum are checked there
            run = _bracket_run(chunk, run)
            if not self.settled:
                continue
            buffer += chunk
            if len(buffer) >= self.BUFFER:
                cut = _safe_cut(buffer)
                self.scan(buffer, cut)
                buffer = buffer[cut:]
        if self.settled:
            self.scan(buffer, len(buffer))
        return self.settled and self.within_bounds()

    def scan(self, text, end):
        references = self.REFERENCE.findall(text, 0, end)
        merges = self.MERGE.findall(text, 0, end)
        if (
            text.find(b"\x00", 0, end) >= 0  # UTF-16: tags these patterns cannot see
            or self.DTD.search(text, 0, end)
            or len(self.TAG.findall(text, 0, end)) != len(references)
            or len(self.MERGE_TAG.findall(text, 0, end)) != len(merges)
        ):
            self.settled = False
            return
        if references:
            self.far_row = max(self.far_row, max(int(row) for _column, row in references) - 1)
            self.columns.update(column for column, _row in references)
        for first, last in merges:
            (top, left), (bottom, right) = _reference(first.decode()), _reference((last or first).decode())
            self.merged_ranges += 1
            self.merged_cells += _merged_cost(top, left, bottom, right)
            _check_merges(self.merged_ranges, self.merged_cells, f"{first.decode()}:{last.decode()}")
        self.settled = self.within_bounds()

    def within_bounds(self):
        far_col = max((_reference(f"{column.decode()}1")[1] for column in self.columns), default=-1)
        rows, cols = self.far_row + 1, far_col + 1
        return cols <= MAX_COLUMNS and rows <= MAX_SHEET_ROWS and rows * cols <= MAX_SHEET_CELLS


REFERENCE = re.compile(r"\$?([A-Za-z]{1,7})\$?([0-9]{1,12})")


def _reference(text):
    """(row, column), both from 0, of a reference such as B7."""
    match = REFERENCE.fullmatch(text)
    if not match:
        raise RosterError(MALFORMED)
    col = 0
    for letter in match[1].upper():
        col = col * 26 + ord(letter) - ord("A") + 1
    return int(match[2]) - 1, col - 1


def _row_number(text):
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise RosterError(MALFORMED)
    return int(text)


def _column_name(col):
    name = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _far_cell(row, col):
    return (
        f"表格在第{row + 1}行、第{col + 1}列（{_column_name(col)}{row + 1}单元格）还有内容，{BOUNDS}。"
        "请删除范围外的内容，或把名单复制到一个新表格后重新上传。"
    )


def _check_grid(rows, cols):
    if rows * cols > MAX_SHEET_CELLS:
        raise RosterError(
            f"表格的内容从A1一直延伸到第{rows}行、第{cols}列，共{rows * cols}个单元格，超出了可导入的范围"
            f"（最多{MAX_SHEET_CELLS // 10000}万个单元格）。请删除多余的列或范围外的内容，或拆分后分批导入。"
        )


def _merged_cost(top, left, bottom, right):
    """Cells read_roster's merge filling visits: rows past what it reads cost nothing, columns do."""
    top, bottom = min(top, bottom), min(max(top, bottom), MAX_SHEET_ROWS)
    return max(bottom - top + 1, 0) * (abs(right - left) + 1)


def _check_merges(count, cells, ref=""):
    if count > MAX_MERGED_RANGES:
        raise RosterError(f"表格中的合并单元格超过{MAX_MERGED_RANGES}处，超出了可导入的范围，请取消合并后重新上传。")
    if cells > MAX_MERGED_CELLS:
        where = f"（{ref}）" if ref else ""
        raise RosterError(f"表格中的合并单元格范围过大{where}，超出了可导入的范围，请取消这些合并后重新上传。")


SHARED_STRING = re.compile(rb"<(?:[^\s<>/!?:]+:)?si[\s/>]")


def _count_shared_strings(chunks):
    """Each <si> becomes a string calamine keeps; comments and CDATA may only count too many."""
    count, carry = 0, b""
    for chunk in chunks:
        text = carry + chunk
        cut = _safe_cut(text)
        count += len(SHARED_STRING.findall(text, 0, cut))
        carry = text[cut:]
        if count > MAX_SHARED_STRINGS:
            break
    count += len(SHARED_STRING.findall(carry + b" "))
    if count > MAX_SHARED_STRINGS:
        raise RosterError(
            f"表格中的文字条目超过{MAX_SHARED_STRINGS // 10000}万条，超出了可导入的范围，请拆分后分批导入。"
        )


# -- .xls: calamine in a child process -------------------------------------------------------------

PROBE = r"""
import io, json, resource, sys


def peak_rss():
    # This process's own peak since exec (VmHWM). ru_maxrss would start at the parent's size when
    # the parent had to fork rather than vfork: a big test runner made every small file "too big".
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_soft, hard = resource.getrlimit(resource.RLIMIT_AS)
cap = int(sys.argv[1]) if hard == resource.RLIM_INFINITY else min(int(sys.argv[1]), hard)
resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
max_rows, max_cols = int(sys.argv[2]), int(sys.argv[3])
from python_calamine import CalamineWorkbook
data = sys.stdin.buffer.read()
try:
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    rows, cols = sheet.total_height + 1, sheet.total_width + 1
    merged = [list(map(list, pair)) for pair in (sheet.merged_cell_ranges or [])]
    kept, filled = [], 0
    if cols <= max_cols:  # read the rows as read_roster does, so that its memory is measured too
        for row in sheet.iter_rows():
            if any(cell is not None and str(cell).strip() != "" for cell in row):
                filled += 1
            kept.append(list(row))
            if len(kept) > max_rows:
                break
    answer = {"rows": rows, "cols": cols, "merged": merged, "filled": filled}
except MemoryError:
    answer = {"memory": True}
except Exception as error:
    answer = {"error": type(error).__name__}
answer["rss"] = peak_rss()
print(json.dumps(answer))
"""


def check_xls(data):
    """Refuse an .xls that calamine cannot open within bounds, judged by calamine in a child process."""
    arguments = [str(PROBE_MEMORY), str(MAX_SHEET_ROWS), str(MAX_COLUMNS)]
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", PROBE, *arguments],
            input=data,
            capture_output=True,
            timeout=PROBE_SECONDS,
        )
        answer = json.loads(done.stdout) if done.returncode == 0 else {"memory": True}
    except (subprocess.TimeoutExpired, ValueError):
        answer = {"memory": True}
    if answer.get("error"):
        return  # calamine refuses the file cleanly: read_roster will say so
    if answer.get("memory") or answer["rss"] > MAX_READ_RSS:
        raise RosterError(
            f"表格过大或结构异常，读取时所需的内存超过了限制（可导入的范围最多{MAX_COLUMNS}列、{MAX_ROWS}行）。"
            "请删除范围外的内容，或把名单复制到一个新表格后重新上传。"
        )
    _check_xls_extent(answer)


def _check_xls_extent(answer):
    rows, cols = answer["rows"], answer["cols"]
    if cols > MAX_COLUMNS or rows > MAX_SHEET_ROWS:
        if cols <= MAX_COLUMNS and answer["filled"] > MAX_ROWS:
            raise RosterError(TOO_MANY_ROWS)
        raise RosterError(
            f"表格的内容一直延伸到第{rows}行、第{cols}列，{BOUNDS}。请删除范围外的内容，或把名单复制到一个新表格后重新上传。"
        )
    _check_grid(rows, cols)
    cells = sum(_merged_cost(top, left, bottom, right) for (top, left), (bottom, right) in answer["merged"])
    _check_merges(len(answer["merged"]), cells)
