# Shared by the engine scripts (postgres.sh, ceph-rgw.sh), sourced after they set
# `dir` (the engine's directory) and `self` (the script's own path).

# A process that exists and is not a zombie (where pid 1 reaps no orphans, a server killed
# with -9 stays a zombie, and kill -0, which pg_ctl and the lock file check, calls it alive).
alive() {
  local state
  state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# A free loopback port below the kernel's ephemeral range (ip_local_port_range). A port
# from that range (what a listen on port 0 gets) is handed to every outgoing connection
# and every other listen on port 0 as soon as it is free again, and an engine binds its
# port seconds after it was chosen: CI's Ceph gateway, ~20 s into the cluster's start,
# found its port taken. Random in the 12,000 ports below the range, each tried first;
# port 0 only where the range leaves no room below it.
free_port() {
  node -e '
    const net = require("net");
    const range = require("fs").readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    const low = range[0] > 0 ? range[0] : 32768;
    const from = Math.max(1024, low - 12000);
    const pick = (tries) => {
      const port = tries > 0 && low - from >= 1000 ? from + Math.floor(Math.random() * (low - from)) : 0;
      const s = net.createServer();
      s.once("error", () => pick(tries - 1));
      s.listen(port, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
    };
    pick(50);'
}

# Stops the engine when ENGINE_OWNER_PID ends (once per DIR: a restart keeps the first watcher).
watch_owner() {
  [ -n "${ENGINE_OWNER_PID:-}" ] || return 0
  [ -f "$dir/watcher" ] && alive "$(cat "$dir/watcher")" && return 0
  ( while alive "$ENGINE_OWNER_PID"; do sleep 1; done; "$self" stop "$dir" ) </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/watcher"
}
