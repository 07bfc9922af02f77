"""Reading workbooks: pre-flight, a cell grid per sheet, and forms found by their labels."""

from .workbook import Grid, Refused, open_workbook
from .locate import find_forms, read_forms

__all__ = ["Grid", "Refused", "open_workbook", "find_forms", "read_forms"]
