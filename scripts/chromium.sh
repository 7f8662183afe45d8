#!/usr/bin/env bash
# Makes sure Debian's Chromium is installed for the web interface's browser tests
# (internal/web, chromedp). Prints the browser's path. Exits non-zero when it cannot be had.
set -euo pipefail

log() { printf 'chromium.sh: %s\n' "$*" >&2; }

for b in /usr/bin/chromium /usr/bin/chromium-browser; do
	if [ -x "$b" ]; then
		echo "$b"
		exit 0
	fi
done
log "Chromium is not installed; installing it from Debian's packages"
run() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else log "need root for: $*"; return 1; fi
}
run apt-get update -qq
run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if [ -x /usr/bin/chromium ]; then
	echo /usr/bin/chromium
	exit 0
fi
log "Chromium did not install"
exit 1
