#!/usr/bin/env bash
# emu's limits against real Xen's at scaled settings (tests/xen/twins.sh),
# as part of make test.
exec bash "$(dirname "$0")/../xen/twins.sh"
