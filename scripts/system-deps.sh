#!/usr/bin/env bash
# Install the Debian packages Hearth needs when they are missing: `system-deps.sh PACKAGE[:COMMAND] ...`
# (with COMMAND, the package counts as present when that command exists; without, when dpkg has it).
# Runs apt-get directly as root, through sudo otherwise; under CI a failure is fatal.
set -euo pipefail

missing=()
for spec in "$@"; do
  package=${spec%%:*}
  command=${spec#*:}
  if [ "$command" = "$spec" ]; then
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  elif ! command -v "$command" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$command" ] && [ ! -x "/usr/bin/$command" ]; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "Hearth needs these Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})." >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
