#!/usr/bin/env bash
# A throwaway one-node Ceph with its S3 gateway on loopback, for tests, CI and benches
# (docs/engines.md): one monitor, one OSD keeping its objects in memory (memstore), one
# manager, cephx off, and the RADOS Gateway (beast) on 127.0.0.1.
#
#   scripts/engines/ceph-rgw.sh start DIR   makes the cluster in DIR (config, mon store, logs),
#                                           starts it, makes an S3 user and prints KEY=value
#                                           lines: S3_ENDPOINT AWS_ACCESS_KEY_ID
#                                           AWS_SECRET_ACCESS_KEY AWS_REGION CEPH_CONF RGW_PID
#   ENGINE_OWNER_PID=PID: stop it when that process ends, however it ends (a test file killed
#   with -9 leaves no engine behind)
#   scripts/engines/ceph-rgw.sh stop DIR    stops every daemon it started (the OSD's data,
#                                           in memory, goes with it)
#
# Binaries from Debian's ceph-mon ceph-osd ceph-mgr radosgw ceph-common. A stopped cluster
# is not restarted: its OSD kept nothing. `start` on a DIR whose gateway was killed starts
# the gateway again (the kill -9 tests).
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

fail() { echo "ceph-rgw.sh: $1" >&2; for f in "$dir"/log/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done; exit 1; }
wait_for() { # seconds, description, command...
  local limit=$1 what=$2; shift 2
  local until=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $until ] || fail "$what did not come up within ${limit}s"
    sleep 0.3
  done
}
ceph_() { ceph -c "$dir/ceph.conf" --connect-timeout 10 "$@"; }

start_rgw() {
  radosgw -c "$dir/ceph.conf" -n client.rgw.a 2>>"$dir/log/daemons.err"
  wait_for 60 "the gateway" curl -sf "http://127.0.0.1:$(cat "$dir/rgw-port")/"
}

print_facts() {
  echo "S3_ENDPOINT=http://127.0.0.1:$(cat "$dir/rgw-port")"
  echo "AWS_ACCESS_KEY_ID=$(cat "$dir/access-key")"
  echo "AWS_SECRET_ACCESS_KEY=$(cat "$dir/secret-key")"
  echo "AWS_REGION=us-east-1"
  echo "CEPH_CONF=$dir/ceph.conf"
  echo "RGW_PID=$(head -n 1 "$dir/run/client.rgw.a.pid")"
}

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
# shellcheck source=engine-common.sh
. "$(dirname "$self")/engine-common.sh"

case $cmd in
start)
  for b in ceph-mon ceph-osd ceph-mgr radosgw radosgw-admin ceph monmaptool; do
    command -v $b >/dev/null || { echo "ceph-rgw.sh: $b is missing (apt-get install ceph-mon ceph-osd ceph-mgr radosgw ceph-common)" >&2; exit 1; }
  done
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ -f "$dir/ceph.conf" ]; then
    # A cluster made before: only its gateway may be restarted (the OSD kept nothing on disk).
    osd=$(cat "$dir/run/osd.0.pid" 2>/dev/null || echo 0)
    alive "$osd" || fail "the cluster in $dir is stopped and its OSD kept nothing; start one in a new DIR"
    rgw=$(cat "$dir/run/client.rgw.a.pid" 2>/dev/null || echo 0)
    alive "$rgw" || start_rgw
    watch_owner
    print_facts
    exit 0
  fi
  mkdir -p "$dir/run" "$dir/log" "$dir/mon/ceph-a" "$dir/osd/ceph-0" "$dir/mgr/ceph-x"
  watch_owner
  mon_port=$(free_port)
  free_port >"$dir/rgw-port"
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$dir/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
auth cluster required = none
auth service required = none
auth client required = none
auth supported = none
ms mon client mode = crc
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
mon data = $dir/mon/\$cluster-\$id
osd data = $dir/osd/\$cluster-\$id
mgr data = $dir/mgr/\$cluster-\$id
keyring = /dev/null
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
# a killed gateway's watches expire in 5 s, not 30: until then every bucket creation waits for it
osd client watch timeout = 5
# a throwaway monitor stores little: it must not stop (crit: 5% free by default) on a full CI disk
mon data avail warn = 2
mon data avail crit = 1
mon warn on insecure global id reclaim allowed = false
# the manager runs no modules: nothing here needs them, and it starts faster
mgr initial modules =
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$(cat "$dir/rgw-port")
rgw dns name = 127.0.0.1
rgw enable usage log = false
CONF
  monmaptool --create --add a "v2:127.0.0.1:$mon_port" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon -c "$dir/ceph.conf" -i a --mkfs --monmap "$dir/monmap" >"$dir/log/mkfs.log" 2>&1 || fail "the monitor's mkfs failed"
  ceph-mon -c "$dir/ceph.conf" -i a 2>>"$dir/log/daemons.err" || fail "the monitor did not start"
  wait_for 30 "the monitor" ceph_ mon stat
  ceph-mgr -c "$dir/ceph.conf" -i x 2>>"$dir/log/daemons.err" || fail "the manager did not start"
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  ceph_ osd new "$osd_uuid" >/dev/null
  ceph-osd -c "$dir/ceph.conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$dir/log/mkfs.log" 2>&1 || fail "the OSD's mkfs failed"
  ceph-osd -c "$dir/ceph.conf" -i 0 2>>"$dir/log/daemons.err" || fail "the OSD did not start"
  wait_for 60 "the OSD" sh -c "ceph -c '$dir/ceph.conf' osd stat -f json | grep -q '\"num_up_osds\":1'"
  od -An -N10 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F >"$dir/access-key"
  od -An -N20 -tx1 /dev/urandom | tr -d ' \n' >"$dir/secret-key"
  chmod 600 "$dir/secret-key"
  start_rgw
  radosgw-admin -c "$dir/ceph.conf" user create --uid=bazaar --display-name=bazaar \
    --access-key="$(cat "$dir/access-key")" --secret-key="$(cat "$dir/secret-key")" >/dev/null 2>"$dir/log/user.log" \
    || fail "radosgw-admin user create failed"
  print_facts
  ;;
stop)
  # By their pid files, and by the config path on their command lines: a test runner may
  # remove DIR before the owner's watcher stops the cluster, and then the OSD, the manager
  # and the gateway (which keep nothing on disk) would run on for good.
  pids=""
  for name in client.rgw.a osd.0 mgr.x mon.a; do pids="$pids $(cat "$dir/run/$name.pid" 2>/dev/null || true)"; done
  for p in /proc/[0-9]*; do
    case " $( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null || true)" in *" -c $dir/ceph.conf "*) pids="$pids ${p#/proc/}" ;; esac
  done
  for pid in $pids; do alive "$pid" && kill "$pid" 2>/dev/null || true; done
  for pid in $pids; do
    for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  done
  ;;
*) usage ;;
esac
