#!/bin/busybox sh
# bazaar's /init (docs/netboot.md): mount an image's layers read-only, from virtio disks
# or fetched from bazaar.url (kept on bazaar.cache), stack them under overlayfs with a
# tmpfs upper, and switch_root into the image's init. Anything missing stops the boot with
# one "bazaar-init: error: ..." line and a power-off, so a machine never hangs.

PATH=/bin
export PATH
RUN=/run/bazaar
url='' cache='' init=/sbin/init timeout=20 cachedir=''

say() { echo "bazaar-init: $*"; }

die() {
  echo "bazaar-init: error: $*"
  # by full path: the applet links may be what is missing; only ever as the initrd's pid 1
  [ $$ != 1 ] || /bin/busybox poweroff -f
  # poweroff -f does not return; if it did, pid 1 exiting panics the kernel (panic=N)
  exit 1
}

# The applets used below; the busybox comes from the image and may be a small build.
APPLETS='cat chmod cp grep head insmod ip mkdir mke2fs mount mv poweroff rm sed sha256sum
  sleep stat switch_root sync timeout tr udhcpc uname wget'

setup_busybox() {
  /bin/busybox --install -s /bin 2>/dev/null
  for a in $APPLETS; do
    command -v "$a" >/dev/null || die "the image's busybox has no '$a' applet (install busybox-static)"
  done
}

# bazaar.url=URL bazaar.cache=DEV bazaar.timeout=S init=PATH, from a kernel command line
read_cmdline() {
  set -f
  for arg in $1; do
    case $arg in
      bazaar.url=*) url=${arg#*=} ;;
      bazaar.cache=*) cache=${arg#*=} ;;
      bazaar.timeout=*) timeout=${arg#*=} ;;
      init=*) init=${arg#*=} ;;
    esac
  done
  set +f
  case $timeout in '' | *[!0-9]* | 0*) die "bazaar.timeout=$timeout: give whole seconds, e.g. bazaar.timeout=20" ;; esac
  case $cache in '' | /*) ;; *) cache=/dev/$cache ;; esac
}

# waits at most $timeout s for a path to exist (devices appear as drivers probe)
wait_for() {
  n=$((timeout * 5))
  while [ ! -e "$1" ]; do
    [ $n -gt 0 ] || return 1
    n=$((n - 1))
    sleep 0.2
  done
}

load_modules() {
  want=$(cat /etc/bazaar/kernel-release 2>/dev/null)
  [ "$want" = "$(uname -r)" ] || die "this initrd holds modules for kernel '$want' but kernel '$(uname -r)' is running; boot the kernel of the same boot set"
  [ -f /etc/bazaar/modules ] || die "the initrd has no /etc/bazaar/modules"
  while read -r m; do
    [ -n "$m" ] || continue
    err=$(insmod "$m" 2>&1) || die "cannot load module $m: $(echo $err)"
  done </etc/bazaar/modules
}

# mount_layer SOURCE N: a squashfs (disk or file) read-only at $RUN/layers/NN, on top of
# the ones before it; $lower lists them top first, as overlayfs wants
mount_layer() {
  nn=$(printf %02d "$2")
  dir=$RUN/layers/$nn
  mkdir -p "$dir"
  err=$(mount -t squashfs -o ro "$1" "$dir" 2>&1) || die "layer $nn ($1) does not mount as squashfs: $(echo $err)"
  lower=$dir${lower:+:$lower}
}

# Without bazaar.url: the leading run of virtio disks holding a squashfs, lowest first.
disk_layers() {
  wait_for /dev/vda || die "no layer disk: /dev/vda did not appear in ${timeout}s (give the layers as virtio disks, or bazaar.url=)"
  n=0
  for dev in /dev/vd[a-z]; do
    [ "$dev" = "$cache" ] && continue
    [ "$(head -c 4 "$dev" 2>/dev/null)" = hsqs ] || break
    mount_layer "$dev" $n
    n=$((n + 1))
  done
  [ $n -gt 0 ] || die "no layer disk: /dev/vda holds no squashfs"
  say "$n layers from disks"
}

# The "layers" array of a boot.json written by JSON.stringify(x, null, 2): one path a line,
# and "?" for an entry it cannot read (so no layer is ever left out silently).
layer_paths() {
  sed -n -e '/^ *"layers": \[$/,/^ *\],\{0,1\}$/{' -e '/^ *"layers": \[$/d' -e '/^ *\],\{0,1\}$/d' \
    -e 's/^ *"\(layers\/[A-Za-z0-9._@+-]*\)",\{0,1\}$/\1/p' -e 't' -e 's/.*/?/p' -e '}' "$1"
}

# The sha256 that boot.json gives for a path ("<path>": "<hex>", in the "sha256" object).
layer_sha() {
  grep -F "\"$2\": \"" "$1" | sed -n 's/^ *"[^"]*": "\([0-9a-f]\{64\}\)",\{0,1\}$/\1/p' | head -n 1
}

sha_ok() { # FILE SHA256
  [ -f "$1" ] && [ "$(sha256sum "$1" | head -c 64)" = "$2" ]
}

# Only a blank disk is formatted: a wrong bazaar.cache= must not cost its data.
blank() {
  [ -z "$(head -c 131072 "$1" | tr -d '\000' | head -c 1)" ]
}

# Mounts bazaar.cache (ext2/ext4; a blank disk is formatted) at $RUN/cache. Without it the
# boot goes on, since the cache only saves fetches and covers a server that is gone.
open_cache() {
  wait_for "$cache" || { say "cache $cache did not appear; booting without a cache"; return; }
  mkdir -p $RUN/cache
  if ! mount -t ext4 "$cache" $RUN/cache 2>/dev/null; then
    if ! blank "$cache"; then
      say "cache $cache holds something other than an ext2/ext4 filesystem and is left alone; booting without a cache"
      return
    fi
    say "formatting the cache $cache (ext2)"
    mke2fs -L bazaar-cache "$cache" >/dev/null 2>&1 && mount -t ext4 "$cache" $RUN/cache 2>/dev/null ||
      { say "cannot format the cache $cache; booting without a cache"; return; }
  fi
  cachedir=$RUN/cache
}

# The first interface other than lo, by DHCP; false when it gets no lease.
net_up() {
  iface=''
  n=$((timeout * 5))
  while :; do
    for i in /sys/class/net/*; do
      [ "${i##*/}" = lo ] || [ ! -e "$i" ] || { iface=${i##*/}; break 2; }
    done
    [ $n -gt 0 ] || return 1
    n=$((n - 1))
    sleep 0.2
  done
  # udhcpc leaves configuring the interface to its script
  cat >$RUN/udhcpc.sh <<'EOF'
#!/bin/sh
case $1 in
  deconfig) ip addr flush dev "$interface"; ip link set "$interface" up ;;
  bound | renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -z "$router" ] || ip route replace default via "${router%% *}" dev "$interface"
    [ -z "$dns" ] || for s in $dns; do echo "nameserver $s"; done >/etc/resolv.conf ;;
esac
EOF
  chmod 755 $RUN/udhcpc.sh
  ip link set lo up
  ip link set "$iface" up
  timeout $((timeout + 5)) udhcpc -f -q -n -i "$iface" -t "$timeout" -T 1 -s $RUN/udhcpc.sh >/dev/null 2>&1
}

# stall_guard PID FILE: kills PID once FILE has not grown for $timeout s. busybox's own
# wget -T crashes (Debian 1.35), and a whole-transfer limit would fail big layers.
stall_guard() {
  last='' idle=0
  while [ $idle -lt $((timeout * 5)) ]; do
    sleep 0.2
    size=$(stat -c %s "$2" 2>/dev/null)
    if [ "$size" = "$last" ]; then idle=$((idle + 1)); else last=$size idle=0; fi
  done
  kill "$1" 2>/dev/null
}

fetch() { # URL FILE
  rm -f "$2"
  wget -q -O "$2" "$1" 2>/dev/null &
  getter=$!
  stall_guard $getter "$2" &
  guard=$!
  wait $getter
  got=$?
  kill $guard 2>/dev/null
  wait $guard 2>/dev/null
  return $got
}

# With bazaar.url: boot.json, then each layer (from the cache when it has it by sha256).
# A server that cannot be reached falls back on the cache's last boot.json.
net_layers() {
  # the set's URL, or a file in it: iPXE's ${cwuri} is the URL of boot.ipxe itself
  base=${url%/}
  case $base in */boot.ipxe|*/boot.json) base=${base%/*} ;; esac
  [ -z "$cache" ] || open_cache
  json=$RUN/boot.json
  if net_up && fetch "$base/boot.json" $json; then
    from=server
    say "boot set from $base"
  elif [ -n "$cachedir" ] && [ -f $cachedir/boot.json ]; then
    from=cache
    say "server $base cannot be reached; booting from the cache on $cache"
    cp $cachedir/boot.json $json
  else
    die "server $base cannot be reached (no DHCP lease or no $base/boot.json in ${timeout}s) and there is no cache to boot from"
  fi
  layer_paths $json >$RUN/layers.list
  [ -s $RUN/layers.list ] || die "$base/boot.json lists no layers (is it a bazaar boot.json?)"
  grep -qx '?' $RUN/layers.list && die "$base/boot.json has a layer entry that is not \"layers/NAME.squashfs\", one to a line"
  n=0
  while read -r path <&3; do
    sum=$(layer_sha $json "$path")
    [ -n "$sum" ] || die "$base/boot.json gives no sha256 for $path"
    if [ -n "$cachedir" ]; then file=$cachedir/$sum.squashfs; else file=$RUN/fetched/$sum.squashfs; fi
    if sha_ok "$file" "$sum"; then
      say "layer $path: in the cache"
    elif [ $from = cache ]; then
      die "the cache on $cache lacks layer $path or it is damaged (sha256 differs), and the server cannot be reached"
    else
      mkdir -p "${file%/*}"
      fetch "$base/$path" "$file.part" || die "cannot fetch $base/$path (an HTTP error, or no data for ${timeout}s)"
      sha_ok "$file.part" "$sum" || die "layer $base/$path is damaged: its sha256 is not the one in boot.json"
      mv "$file.part" "$file"
      say "layer $path: fetched"
    fi
    mount_layer "$file" $n
    n=$((n + 1))
  done 3<$RUN/layers.list
  [ -z "$cachedir" ] || [ $from = cache ] || keep_in_cache
  # read-only from here on, so a VA powered off any way leaves the cache clean
  [ -z "$cachedir" ] || mount -o remount,ro $cachedir
}

# The cache keeps the last boot.json and its layers only, so it never fills up.
keep_in_cache() {
  cp $json $cachedir/boot.json.part && mv $cachedir/boot.json.part $cachedir/boot.json
  for f in $cachedir/*.squashfs $cachedir/*.part; do
    [ -e "$f" ] || continue
    s=${f##*/}
    grep -q "\"${s%.squashfs}\"" $json || rm -f "$f"
  done
  sync
}

main() {
  [ $$ = 1 ] || die "/init runs only as the initrd's pid 1"
  setup_busybox
  mkdir -p /proc /sys /dev /run /newroot
  mount -t proc proc /proc
  mount -t sysfs sysfs /sys
  mount -t devtmpfs devtmpfs /dev
  exec </dev/console >/dev/console 2>&1
  # /run (not only /run/bazaar) is the tmpfs: an init that mounts /run itself when it is
  # no mount point (systemd) would hide /run/bazaar
  mount -t tmpfs -o mode=0755 tmpfs /run
  mkdir -p $RUN/layers $RUN/rw/upper $RUN/rw/work
  read_cmdline "$(cat /proc/cmdline)"
  load_modules
  lower=''
  if [ -n "$url" ]; then net_layers; else disk_layers; fi
  mount -t overlay -o "lowerdir=$lower,upperdir=$RUN/rw/upper,workdir=$RUN/rw/work" overlay /newroot ||
    die "cannot stack the layers with overlayfs"
  [ -e "/newroot$init" ] || [ -L "/newroot$init" ] || die "the image has no $init (give its init with init=PATH)"
  for d in proc sys dev run; do
    mkdir -p /newroot/$d && mount -o move /$d /newroot/$d || die "cannot move /$d into the image"
  done
  say "starting $init"
  exec switch_root /newroot "$init" "$@"
}

# sourced with BAZAAR_INIT_FUNCTIONS=1 by test/netboot/init-script.test.ts
[ -n "${BAZAAR_INIT_FUNCTIONS:-}" ] || main "$@"
