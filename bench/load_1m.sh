#!/usr/bin/env bash
# load_1m.sh -- bench/load_mem.sh for one zone of 1,000,000 names (one view;
# a 36 MB zone file in $TMPDIR or /tmp, deleted at the end):
#
#   bench/load_1m.sh [-b HORIZOND] [-r RUNS] [-v 2 for both views]
# SPDX-License-Identifier: BSD-3-Clause
exec "$(dirname "$0")/load_mem.sh" -n 1000000 -v 1 "$@"
