#!/usr/bin/env bash
# Installs the Debian packages Yiwang builds against, if missing. Sourced by scripts/test and scripts/demo.
# As root it installs them; otherwise it stops and prints the exact command to run.
yiwang_ensure_packages() {
  local needed=(libsqlite3-dev libcurl4-openssl-dev zlib1g-dev faketime "$@")
  local missing=()
  for pkg in "${needed[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "yiwang: installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || { echo "yiwang: apt-get install ${missing[*]} failed" >&2; return 1; }
  else
    echo "yiwang: missing Debian packages. Run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  if ! command -v swift >/dev/null 2>&1; then
    echo "yiwang: swift (6.3 or later) is not on PATH; install the Swift toolchain from swift.org first" >&2
    return 1
  fi
}
