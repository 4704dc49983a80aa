"""Check a hand calculation: one verdict per claimed number or formula, by walking the
derivation graph.

    claims.py      what a person claims (answers files, --claim, --formula), read without eval
    checker.py     Checker: everything about one problem, prepared once
    sheet.py       Sheet: one answer sheet walked claim by claim
    written.py     written sub-expressions as inputs of the formulas that contain them
    shapes.py      the shape of a list, judged before its entries
    names.py       families of names, and the suggestion an unknown name gets
    intervals.py   outward-rounded interval arithmetic and ``reachable``
    mistakes.py    the library of named mistakes (sums.py: mistakes in sums and means)
    formulas.py    formula claims: equivalent, equal here, or different
    report.py      Verdict and Report (codes and numbers; templates phrase them)
    files.py       entry points and views: check_files, table, marked_sheet
"""

from .checker import Checker, check
from .files import check_files, marked_sheet, table
from .report import VERDICTS, Report, Verdict

__all__ = ["VERDICTS", "Checker", "Report", "Verdict", "check", "check_files",
           "marked_sheet", "table"]
