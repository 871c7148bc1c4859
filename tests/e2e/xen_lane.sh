#!/usr/bin/env bash
# The real-Xen lane (tests/xen/lane.sh) as part of make test.
exec bash "$(dirname "$0")/../xen/lane.sh"
