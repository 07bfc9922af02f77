Attribute VB_Name = "PerfevalXlwings"
'
' perfeval_xl: the check button for Excel (xlwings RunPython).
'
' PerfevalCheck runs the full perfeval_xl check on the active workbook and marks the findings on the open
' workbook: cells filled and noted, and a results sheet. All the logic is in Python
' (perfeval_xl.xl.xlwings_adapter); this module only calls it.
'
' Install (docs/excel.md):
'   1. in the perfeval_xl folder: py -m pip install ".[xlwings]"   then   xlwings addin install
'   2. VBA editor (Alt+F11), project PERSONAL.XLSB: File > Import File... > this file
'   3. File > Options > Quick Access Toolbar: Choose commands from Macros > PERSONAL.XLSB!PerfevalCheck > Add,
'      then Modify... to name the button (for example the two characters for "check")
'
' The xlwings add-in (xlwings.xlam, installed by "xlwings addin install") provides RunPython; it is called
' through Application.Run, so this module needs no VBA reference and works from PERSONAL.XLSB for every
' workbook, and the workbooks themselves stay macro-free .xlsx files.
'
' This file is ASCII on purpose: the VBA editor imports .bas files in the ANSI code page, so the Chinese
' messages are built at run time from their code points (function U).
'
Option Explicit

Private Const PYTHON_COMMAND As String = "import perfeval_xl.xl.xlwings_adapter as a; a.main()"
Private Const RUN_PYTHON As String = "'xlwings.xlam'!RunPython"
Private Const TITLE As String = "perfeval_xl"

Public Sub PerfevalCheck()
    If ActiveWorkbook Is Nothing Then
        MsgBox U("35831 20808 25171 24320 35201 26680 26597 30340 24037 20316 31807 65307 20174 37038 20214 25171 24320 30340 25991 20214 35831 20808 28857 20987 8220 21551 29992 32534 36753 8221 12290") & vbLf & _
            "Open the workbook to check first (a file from e-mail: click Enable Editing).", vbExclamation, TITLE
        Exit Sub
    End If
    On Error GoTo NoXlwings
    Application.Run RUN_PYTHON, PYTHON_COMMAND
    Exit Sub
NoXlwings:
    MsgBox U("26410 25214 21040 32 120 108 119 105 110 103 115 32 21152 36733 39033 65306 35831 22312 21629 20196 34892 36816 34892 32 120 108 119 105 110 103 115 32 97 100 100 105 110 32 105 110 115 116 97 108 108 65292 28982 21518 37325 26032 21551 21160 32 69 120 99 101 108 12290") & vbLf & _
        "The xlwings add-in was not found: run ""xlwings addin install"" and restart Excel." & vbLf & _
        "(" & Err.Description & ")", vbCritical, TITLE
End Sub

Private Function U(ByVal codes As String) As String
    ' The text whose Unicode code points are given in decimal, separated by spaces.
    Dim part As Variant
    For Each part In Split(codes, " ")
        U = U & ChrW(CLng(part))
    Next part
End Function
