# Shared by the engine scripts (postgres.sh, ceph-rgw.sh), sourced after they set
# `dir` (the engine's directory) and `self` (the script's own path).

# A process that exists and is not a zombie (where pid 1 reaps no orphans, a server killed
# with -9 stays a zombie, and kill -0, which pg_ctl and the lock file check, calls it alive).
alive() {
  local state
  state=$(sed -n 's/^[0-9]* (.*) \([A-Z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Stops the engine when ENGINE_OWNER_PID ends (once per DIR: a restart keeps the first watcher).
watch_owner() {
  [ -n "${ENGINE_OWNER_PID:-}" ] || return 0
  [ -f "$dir/watcher" ] && alive "$(cat "$dir/watcher")" && return 0
  ( while alive "$ENGINE_OWNER_PID"; do sleep 1; done; "$self" stop "$dir" ) </dev/null >/dev/null 2>&1 &
  echo $! >"$dir/watcher"
}
