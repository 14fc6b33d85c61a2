#!/usr/bin/env bash
# Installs the Debian packages behind the commands the project runs, when the machine lacks them. One place for
# `.ci/run`, the development stack (redis-server, unzip) and the browser tests (chromium), so `npm start` and
# `npm test` set a fresh machine up themselves.
#
#   scripts/setup/system_packages.sh [command...]   (no command: every one the project uses)
#
# Needs root or password-less sudo; otherwise it names the packages to install and exits 1. Exit 2: a command this
# script does not know.
set -euo pipefail

declare -A PACKAGE_OF=(
  [redis-server]=redis-server
  [unzip]=unzip
  [mvn]=maven
  [java]=openjdk-17-jdk-headless
  [chromium]=chromium
)

commands=("$@")
if ((${#commands[@]} == 0)); then commands=(redis-server unzip mvn java chromium); fi

missing=()
for c in "${commands[@]}"; do
  pkg=${PACKAGE_OF[$c]:-}
  if [ -z "$pkg" ]; then
    echo "system_packages: no Debian package known for the command '$c'" >&2
    exit 2
  fi
  command -v "$c" >/dev/null || missing+=("$pkg")
done
((${#missing[@]})) || exit 0

if ! command -v apt-get >/dev/null; then
  echo "system_packages: missing ${missing[*]} and there is no apt-get here: install them with your package manager" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "system_packages: missing ${missing[*]}: run \`sudo apt-get install ${missing[*]}\`" >&2
  exit 1
fi
echo "system_packages: installing ${missing[*]} (apt-get)" >&2
"${SUDO[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
