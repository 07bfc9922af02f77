#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian/Ubuntu machine:
# LibreOffice headless (a real spreadsheet engine), a CJK font, poppler, and a virtualenv with the package.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1 \
   || ! /usr/bin/python3 -c "import uno" 2>/dev/null || [ ! -f /usr/lib/libreoffice/program/pythonscript.py ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc-nogui libreoffice-script-provider-python python3-uno fonts-wqy-microhei poppler-utils >/dev/null
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
