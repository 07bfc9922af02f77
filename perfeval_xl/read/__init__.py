"""Reading workbooks: pre-flight, a cell grid per sheet, and forms found by their labels."""
