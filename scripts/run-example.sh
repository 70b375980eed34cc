#!/usr/bin/env bash
# run-example.sh -- install dependencies, build, and run horizond in the
# foreground on the example config zones/horizond.yaml (127.0.0.1 and ::1,
# port 5300: no privileges needed). Stop it with Ctrl-C. The README runs this
# as root: --allow-root says staying root is deliberate for this demo (a real
# config sets server.user instead).
# From another terminal:
#   dig @127.0.0.1 -p 5300 -b 127.0.0.2 www.example.com A   # internal: 192.168.1.20
#   dig @127.0.0.1 -p 5300 -b 127.0.0.3 www.example.com A   # external: 203.0.113.10
# SPDX-License-Identifier: BSD-3-Clause
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build
exec build/horizond --allow-root -c zones/horizond.yaml
