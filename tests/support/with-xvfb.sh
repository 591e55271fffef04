#!/usr/bin/env bash
# Runs a command on a private virtual X server (Xvfb) with Qt's xcb platform, so that a test sees
# real X11 windows, fonts and a window manager-less screen: what the screenshot test needs. The
# screen is 1440x900 at 24 bits; xvfb-run picks a free display number (-a) and stops the server
# when the command ends. Combine with the keyring launcher:
#
#   tests/support/with-test-keyring.sh tests/support/with-xvfb.sh build/default/tests/widget/tst_screenshots
set -euo pipefail

if ! command -v xvfb-run >/dev/null 2>&1; then
    echo "with-xvfb: xvfb-run is missing (Debian package xvfb; scripts/setup.sh installs it)" >&2
    exit 1
fi
exec xvfb-run -a --server-args="-screen 0 1440x900x24 -nolisten tcp" env QT_QPA_PLATFORM=xcb "$@"
