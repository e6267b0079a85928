#!/usr/bin/env bash
# Installs Debian packages for the project's scripts, one apt-get at a time.
#   eng/services/apt-install.sh PACKAGE...
# eng/test.sh starts its services side by side, and on a fresh machine several of them install a package: two apt-get
# runs at once fail on apt's locks ("Could not get lock /var/lib/apt/lists/lock") instead of waiting for each other.
# Ours queue on one lock file; apt held by anything else (an unattended upgrade) is waited for too.
set -euo pipefail
[ "$#" -gt 0 ] || { echo "apt-install.sh: name the packages to install" >&2; exit 2; }
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_get() { $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@" >&2; }

lock=/tmp/sagas-apt.lock
# flock needs only an open file: read-only when another user (root) created it.
{ exec 8>>"$lock"; } 2>/dev/null || exec 8<"$lock"
flock 8
# The package lists' lock is not covered by DPkg::Lock::Timeout on every apt version: try the update again for a while.
for attempt in $(seq 1 60); do
  if apt_get update -qq; then break; fi
  [ "$attempt" -lt 60 ] || { echo "apt-install.sh: apt-get update kept failing" >&2; exit 1; }
  sleep 5
done
apt_get install -y -qq "$@"
