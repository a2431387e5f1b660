#!/usr/bin/env bash
# Installs Yiwang as systemd services: builds in release mode, installs the binaries, the units and the
# example configs, creates the `yiwang` system user and the directories. Safe to run again (upgrade): it
# replaces binaries and units, and never overwrites a config in /etc/yiwang.
#
# Usage: sudo deploy/install.sh [options]
#   --dry-run        print every step, change nothing (and do not build)
#   --uninstall      stop and disable the services, remove binaries and units; keep configs and data
#   --purge          with --uninstall: also remove /etc/yiwang, /var/lib/yiwang and the yiwang user
#   --prefix DIR     install binaries to DIR/bin (default /usr/local); the units are rewritten to match
#   --bin-dir DIR    install the binaries found in DIR instead of building (e.g. a CI artefact)
#   -h, --help       this text
# Environment: DESTDIR=/some/dir stages everything under that directory (for packaging and tests); the user
# is then not created and systemctl is not called.
#
# After installing: put the node token in /etc/yiwang/credentials/, edit /etc/yiwang/*.yaml, then
#   systemctl enable --now yiwang-hub                 # on the province hub
#   systemctl enable --now yiwang-edge@430100         # on a city/county server, one per node
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BINARIES=(yiwang-hub yiwang-edge yiwangctl)
UNITS=(yiwang-hub.service yiwang-edge.service yiwang-edge@.service)
LIVE_CONFIGS=(hub.yaml topology.yaml)          # installed as /etc/yiwang/NAME when absent
EXAMPLE_CONFIGS=(edge-city.yaml edge-county.yaml hub.yaml topology.yaml)   # always refreshed in examples/
SERVICE_USER=yiwang

PREFIX=/usr/local
DESTDIR=${DESTDIR:-}
DRY_RUN=0
UNINSTALL=0
PURGE=0
BIN_DIR=

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --uninstall) UNINSTALL=1 ;;
        --purge) PURGE=1 ;;
        --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift ;;
        --prefix=*) PREFIX=${1#--prefix=} ;;
        --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a directory"; BIN_DIR=$2; shift ;;
        --bin-dir=*) BIN_DIR=${1#--bin-dir=} ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
[ "$PURGE" = 0 ] || [ "$UNINSTALL" = 1 ] || die "--purge only goes with --uninstall"
case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path, not '$PREFIX'" ;; esac
PREFIX=${PREFIX%/}

BINDIR=$DESTDIR$PREFIX/bin
UNITDIR=$DESTDIR/etc/systemd/system
CONFDIR=$DESTDIR/etc/yiwang
STATEDIR=$DESTDIR/var/lib/yiwang

# Every change goes through `run`, so --dry-run shows exactly what a real run does.
run() {
    echo "+ $*"
    [ "$DRY_RUN" = 1 ] || "$@"
}

# systemctl and user management only on the real system, with systemd running.
manages_system() { [ -z "$DESTDIR" ]; }
systemd_running() { manages_system && [ -d /run/systemd/system ]; }

if [ "$DRY_RUN" = 0 ] && manages_system && [ "$(id -u)" != 0 ]; then
    die "installing into / needs root (sudo), or set DESTDIR to stage elsewhere, or use --dry-run"
fi

uninstall() {
    if systemd_running; then
        # Template instances too (yiwang-edge@430100.service, ...).
        local instances=()
        mapfile -t instances < <(systemctl list-units --all --plain --no-legend 'yiwang-edge@*' | awk '{print $1}')
        run systemctl disable --now yiwang-hub.service yiwang-edge.service "${instances[@]}" || true
    fi
    for binary in "${BINARIES[@]}"; do run rm -f "$BINDIR/$binary"; done
    for unit in "${UNITS[@]}"; do run rm -f "$UNITDIR/$unit"; done
    if systemd_running; then run systemctl daemon-reload; fi
    if [ "$PURGE" = 1 ]; then
        run rm -rf "$CONFDIR" "$STATEDIR"
        if manages_system && getent passwd "$SERVICE_USER" > /dev/null; then run userdel "$SERVICE_USER"; fi
        [ "$DRY_RUN" = 0 ] || { echo "Dry run: nothing was changed."; return; }
        echo "Yiwang removed, with its configs, credentials and data."
    else
        [ "$DRY_RUN" = 0 ] || { echo "Dry run: nothing was changed."; return; }
        echo "Yiwang removed. Kept: configs and credentials in $CONFDIR, data in $STATEDIR (--purge removes them)."
    fi
}

build() {
    if [ -n "$BIN_DIR" ]; then
        SOURCE_BIN=$BIN_DIR
        echo "Using the binaries in $SOURCE_BIN (no build)."
        return
    fi
    # Under sudo, build as the invoking user so .build/ stays theirs.
    local as_user=()
    if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then as_user=(sudo -u "$SUDO_USER" --); fi
    for product in "${BINARIES[@]}"; do
        run "${as_user[@]}" swift build --package-path "$REPO" -c release --product "$product"
    done
    if [ "$DRY_RUN" = 1 ]; then
        SOURCE_BIN=$REPO/.build/release
    else
        SOURCE_BIN=$("${as_user[@]}" swift build --package-path "$REPO" -c release --show-bin-path)
    fi
}

# True when a hub config allows plain HTTP on a network address (`allow_plain_http: true`, uncommented).
allows_plain_http() { grep -Eq '^[[:space:]]*allow_plain_http:[[:space:]]*("?)(true|yes|on)\1[[:space:]]*(#.*)?$' "$1"; }

install_all() {
    # The live hub config must not serve tokens in clear: refuse before changing anything.
    if [ ! -e "$CONFDIR/hub.yaml" ] && allows_plain_http "$REPO/config/hub.yaml"; then
        die "$REPO/config/hub.yaml allows plain HTTP (allow_plain_http: true); refusing to install it as the live $CONFDIR/hub.yaml"
    fi
    build
    for binary in "${BINARIES[@]}"; do
        [ "$DRY_RUN" = 1 ] || [ -x "$SOURCE_BIN/$binary" ] || die "no executable $SOURCE_BIN/$binary"
    done

    # The service user: a system account with no login and no home of its own.
    if manages_system; then
        if getent passwd "$SERVICE_USER" > /dev/null; then
            echo "User $SERVICE_USER exists."
        else
            run useradd --system --user-group --home-dir /var/lib/yiwang --no-create-home \
                --shell /usr/sbin/nologin --comment "Yiwang sync daemons" "$SERVICE_USER"
        fi
    else
        echo "DESTDIR set: not creating the $SERVICE_USER user (create it when installing the staged files)."
    fi

    run install -d -m 755 "$BINDIR" "$UNITDIR" "$CONFDIR" "$CONFDIR/examples" "$STATEDIR"
    # Credentials (node tokens, TLS keys) are root-only; systemd hands them to the service (LoadCredential=).
    run install -d -m 700 "$CONFDIR/credentials"

    for binary in "${BINARIES[@]}"; do
        run install -m 755 "$SOURCE_BIN/$binary" "$BINDIR/$binary"
    done

    # Units name /usr/local/bin in ExecStart; rewrite it for another prefix.
    for unit in "${UNITS[@]}"; do
        run install -m 644 "$REPO/systemd/$unit" "$UNITDIR/$unit"
        if [ "$PREFIX" != /usr/local ]; then
            run sed -i "s#/usr/local/bin/#$PREFIX/bin/#g" "$UNITDIR/$unit"
        fi
    done

    # Examples are ours to refresh; the live configs are the operator's and are never overwritten.
    for config in "${EXAMPLE_CONFIGS[@]}"; do
        run install -m 644 "$REPO/config/$config" "$CONFDIR/examples/$config"
    done
    for config in "${LIVE_CONFIGS[@]}"; do
        if [ -e "$CONFDIR/$config" ]; then
            echo "Keeping the existing $CONFDIR/$config."
            if [ "$config" = hub.yaml ] && allows_plain_http "$CONFDIR/$config"; then
                echo "Warning: $CONFDIR/hub.yaml allows plain HTTP: node tokens cross the network in clear unless a local TLS proxy fronts the hub." >&2
            fi
        else
            run install -m 644 "$REPO/config/$config" "$CONFDIR/$config"
        fi
    done

    if systemd_running; then run systemctl daemon-reload; fi

    if [ "$DRY_RUN" = 1 ]; then echo "Dry run: nothing was changed."; return; fi
    cat <<EOF
Yiwang installed: ${BINARIES[*]} in $BINDIR, units in $UNITDIR, configs in $CONFDIR.
Next:
  hub:   edit $CONFDIR/hub.yaml and $CONFDIR/topology.yaml, then: systemctl enable --now yiwang-hub
  node:  cp $CONFDIR/examples/edge-city.yaml $CONFDIR/edge-NODE.yaml and edit it;
         install -m 600 /path/to/token $CONFDIR/credentials/edge-NODE.token;
         systemctl enable --now yiwang-edge@NODE
  check: systemctl status yiwang-hub; journalctl -u yiwang-edge@NODE; yiwangctl --hub http://HUB:7400 status
Upgrading? Restart what runs: systemctl try-restart yiwang-hub yiwang-edge 'yiwang-edge@*'
EOF
}

if [ "$UNINSTALL" = 1 ]; then uninstall; else install_all; fi
