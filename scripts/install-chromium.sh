#!/usr/bin/env bash
# Debian's chromium for the viewer's browser tests (driven by playwright-core through
# executablePath; no browser is ever downloaded by npm). Does nothing when it is installed.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
