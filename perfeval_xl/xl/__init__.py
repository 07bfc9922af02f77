"""Front ends that run inside a spreadsheet application (Excel through xlwings, LibreOffice). Thin: the checking is
`perfeval_xl.api`'s."""
