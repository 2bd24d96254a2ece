"""Reads a workbook with openpyxl (not the library that wrote it) and prints it as JSON.

For every sheet: frozen panes, autofilter range, the cached values (data_only=True) and the
formulas (data_only=False) of every non-empty cell, the number format of numeric cells, and
the defined tables (name, range, style, header and totals rows, column names).
"""
import json
import sys
from decimal import Decimal

import openpyxl


def main(path):
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path, data_only=False)
    sheets = []
    for ws in values.worksheets:
        wf = formulas[ws.title]
        cells = []
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                f = wf[cell.coordinate].value
                v = cell.value
                if isinstance(v, float) or isinstance(v, int):
                    # repr of the double is the shortest text that round-trips: exact decimal cents.
                    v = {"number": str(Decimal(repr(v)))}
                cells.append({
                    "ref": cell.coordinate,
                    "value": v if not hasattr(v, "isoformat") else v.isoformat(),
                    "formula": f if isinstance(f, str) and f.startswith("=") else None,
                    "format": cell.number_format,
                })
        tables = []
        for t in wf.tables.values():
            tables.append({
                "name": t.name,
                "ref": t.ref,
                "style": t.tableStyleInfo.name if t.tableStyleInfo is not None else None,
                "headerRowCount": 1 if t.headerRowCount is None else t.headerRowCount,
                "totalsRowCount": t.totalsRowCount or 0,
                "columns": [c.name for c in t.tableColumns],
            })
        sheets.append({
            "name": ws.title,
            "freeze": ws.freeze_panes,
            "autofilter": ws.auto_filter.ref,
            "tables": tables,
            "cells": cells,
        })
    json.dump({"sheets": sheets}, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1])
