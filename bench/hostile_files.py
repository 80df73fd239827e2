"""Benchmark: peak memory and time of reading each hostile roster file, in a child process each.

    .venv/bin/python bench/hostile_files.py              # with the bounds (members/sheet_bounds.py)
    .venv/bin/python bench/hostile_files.py --unbounded  # calamine on its own, for comparison

Each file is read by ``read_roster`` (or, with --unbounded, by calamine alone as read_roster
would) in a child whose address space is capped at 2 GiB, so that a file asking for more ends
that child and nothing else. Printed: the file's size, the child's exit, peak resident memory,
seconds, and the first words of its answer. The legitimate rosters are there for scale.
"""

import argparse
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.members.hostile import (  # noqa: E402
    HEADER,
    cell,
    far_cell,
    lying_about_size,
    many_rows,
    read_in_child,
    xls,
    xlsx,
)

UNBOUNDED = textwrap.dedent(
    """
    import io, json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
    from python_calamine import CalamineWorkbook
    data = open(sys.argv[1], "rb").read()
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = []
        for row in sheet.iter_rows():
            rows.append(list(row))
            if len(rows) > 50530:
                break
        outcome = {"rows": len(rows)}
    except Exception as error:
        outcome = {"message": type(error).__name__}
    outcome["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(outcome))
    """
)


def files():
    formatted = b'<row r="1048576" s="1" customFormat="1"><c r="XFD1048576" s="1"/></row>'
    member = b'<row r="2">' + cell("A2", "2") + b"</row>"
    return {
        "value at XFD1048576": far_cell("XFD1048576"),
        "value at A1048576": far_cell("A1048576"),
        "value at XFD1": far_cell("XFD1"),
        "value at ZZ200000, dimension A1:B2": xlsx(HEADER + cell("ZZ200000"), dimension="A1:B2"),
        "value at GR50000 (grid of 10M cells)": far_cell("GR50000"),
        "cells without references at row 1048576": xlsx(HEADER + b'<row r="1048576"><c><v>1</v></c></row>'),
        "zip entry lying about its size": lying_about_size(many_rows(2000)),
        "200,000 real rows": many_rows(200_000),
        ".xls value at XFD65536": xls([(0, 0, "姓名"), (0, 1, "身份证号"), (65535, 16383, 1)]),
        ".xls value at IV65536": xls([(0, 0, "姓名"), (0, 1, "身份证号"), (65535, 255, 1)]),
        "formatted empty cell at XFD1048576 (fine)": xlsx(HEADER + member + formatted, dimension="A1:XFD1048576"),
        "50,000 rows x 2 columns (fine)": many_rows(50_000),
        "50,000 rows x 21 columns, as Excel (fine)": roster(50_000, 21),
    }


def roster(rows, columns):
    """A roster as openpyxl (like Excel) writes it: shared strings, dates, a title above the header."""
    import datetime
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(["党员花名册"])
    sheet.append(["姓名", "身份证号"] + [f"第{n}列" for n in range(3, columns + 1)])
    for n in range(rows):
        day = datetime.date(1960, 1, 1 + n % 28)
        values = [f"北门社区{(n * 7 + k) % 1000}号楼" if k % 3 else day for k in range(columns)]
        sheet.append([f"张{n}", f"11010119600101{n % 10000:04d}", *values[2:]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def unbounded(path, address_space):
    done = subprocess.run(
        [sys.executable, "-c", UNBOUNDED, str(path), str(address_space)], cwd=ROOT, capture_output=True
    )
    import json

    return done.returncode, json.loads(done.stdout.decode().splitlines()[-1]) if done.returncode == 0 else {}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unbounded", action="store_true", help="calamine alone, without the bounds")
    options = parser.parse_args()
    address_space = 2 << 30
    print(f"{'file':44} {'bytes':>9} {'exit':>5} {'peak MB':>8} {'s':>6}  answer")
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files().items():
            path = Path(folder) / "file"
            path.write_bytes(data)
            started = time.perf_counter()
            if options.unbounded:
                code, answer = unbounded(path, address_space)
            else:
                code, answer = read_in_child(path, address_space)
            seconds = time.perf_counter() - started
            peak = f"{answer['rss'] / 1024 / 1024:.0f}" if answer else "—"
            said = answer.get("message", f"{answer.get('rows')} rows") if answer else "process died"
            print(f"{name:44} {len(data):>9} {code:>5} {peak:>8} {seconds:>6.2f}  {said[:60]}")


if __name__ == "__main__":
    main()
