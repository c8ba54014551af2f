#!/bin/sh
# A private MariaDB for settings experiments: its own folder, port, option file and (optionally)
# its own loop-device disk, so that restarts, drop-ins, a disk throttle or an I/O scheduler change
# never touch the shared server on 3306 or the machine's disk. A real mariadbd process, started and
# stopped the way a service manager would, so `innobench matrix --restart-cmd` meets a real restart.
#
#   scripts/private-mariadb.sh start DIR [PORT]     create on first use, start, wait until it answers
#   scripts/private-mariadb.sh stop|restart DIR     clean shutdown (mariadb-admin shutdown), then start
#   scripts/private-mariadb.sh throttle DIR IOPS    cgroup v1 blkio: cap the server's writes to its data disk
#   scripts/private-mariadb.sh unthrottle DIR
#   scripts/private-mariadb.sh device DIR           the data disk's sysfs name (loop0, vda)
#   scripts/private-mariadb.sh remove DIR           stop, unthrottle, detach the disk, delete DIR
#
# Environment at the first start: IB_PRIVATE_DISK=2G puts the data on a loop device of that size
# (ext4), IB_PRIVATE_BUFFER_POOL (256M), IB_PRIVATE_REDO (48M), IB_PRIVATE_OWNER_PID: when that
# process ends, a watchdog removes everything (tests). DIR/conf.d/ is read at every start: the
# drop-in folder. The throttle group is kept across restarts (each start moves the new server in).
set -eu

cmd=${1:?usage: private-mariadb.sh start|stop|restart|throttle|unthrottle|device|remove DIR}
dir=${2:?the private server\'s folder}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cnf="$dir/my.cnf"
sock="$dir/sock"
blkio=/sys/fs/cgroup/blkio

answers() { mariadb-admin --no-defaults -uroot -S "$sock" --connect-timeout=2 ping >/dev/null 2>&1; }
server_pid() { [ -f "$dir/pid" ] && cat "$dir/pid" 2>/dev/null || true; }
group_dir() { [ -f "$dir/blkio-group" ] && echo "$blkio/$(cat "$dir/blkio-group")" || true; }

create() {
  port=${1:?a port for the first start}
  data="$dir/data"
  if [ -n "${IB_PRIVATE_DISK:-}" ]; then
    truncate -s "$IB_PRIVATE_DISK" "$dir/disk.img"
    loop=$(losetup -f --show "$dir/disk.img")
    echo "$loop" > "$dir/loop"
    mkfs.ext4 -q "$loop"
    mkdir -p "$dir/disk"
    mount "$loop" "$dir/disk"
    data="$dir/disk/data"
  fi
  mkdir -p "$dir/conf.d"
  cat > "$cnf" <<EOF
[mysqld]
datadir = $data
socket = $sock
port = $port
bind-address = 127.0.0.1
pid-file = $dir/pid
log-error = $dir/error.log
user = root
innodb_buffer_pool_size = ${IB_PRIVATE_BUFFER_POOL:-256M}
innodb_log_file_size = ${IB_PRIVATE_REDO:-48M}
innodb_flush_method = O_DIRECT
innodb_flush_log_at_trx_commit = 1
skip-log-bin
performance_schema = OFF
max_connections = 300
!includedir $dir/conf.d
EOF
  mariadb-install-db --defaults-file="$cnf" --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 || { tail -20 "$dir/install.log" >&2; exit 1; }
  if [ -n "${IB_PRIVATE_OWNER_PID:-}" ]; then
    nohup sh -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; "$2" remove "$3"' ib-private-watchdog "$IB_PRIVATE_OWNER_PID" "$0" "$dir" >/dev/null 2>&1 &
  fi
}

start() {
  [ -f "$cnf" ] || create "${1:-}"
  if answers; then return 0; fi
  nohup mariadbd --defaults-file="$cnf" >/dev/null 2>&1 &
  i=0
  until answers; do
    i=$((i + 1))
    if [ $i -gt 600 ]; then echo "mariadbd did not answer within 60 s:" >&2; tail -20 "$dir/error.log" >&2; exit 1; fi
    sleep 0.1
  done
  group=$(group_dir)
  if [ -n "$group" ]; then echo "$(server_pid)" > "$group/cgroup.procs"; fi
}

stop() {
  pid=$(server_pid)
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  mariadb-admin --no-defaults -uroot -S "$sock" shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    i=$((i + 1))
    if [ $i -gt 1200 ]; then kill -9 "$pid" 2>/dev/null || true; fi
    sleep 0.1
  done
}

device() {
  data=$(sed -n 's/^datadir = //p' "$cnf")
  majmin=$(findmnt -no MAJ:MIN -T "$data" | head -1 | tr -d ' ')
  name=$(basename "$(readlink -f "/sys/dev/block/$majmin")")
  # A partition's scheduler and throttle belong to its disk.
  if [ -f "/sys/class/block/$name/partition" ]; then name=$(basename "$(dirname "$(readlink -f "/sys/class/block/$name")")"); fi
  echo "$name"
}

throttle() {
  iops=${1:?write IOPS}
  [ -d "$blkio" ] || { echo "no cgroup v1 blkio hierarchy at $blkio: cannot throttle" >&2; exit 3; }
  name="innobench-$(basename "$(dirname "$dir")")-$(basename "$dir")"
  mkdir -p "$blkio/$name"
  echo "$name" > "$dir/blkio-group"
  majmin=$(cat "/sys/class/block/$(device)/dev")
  if ! echo "$majmin $iops" > "$blkio/$name/blkio.throttle.write_iops_device" 2>"$dir/throttle.err"; then
    echo "the kernel refused blkio.throttle.write_iops_device for $majmin: $(cat "$dir/throttle.err")" >&2
    exit 3
  fi
  pid=$(server_pid)
  if [ -n "$pid" ]; then echo "$pid" > "$blkio/$name/cgroup.procs"; fi
  echo "$(device) ($majmin): writes capped at $iops IOPS for the private server (pid ${pid:-none}) in $blkio/$name"
}

unthrottle() {
  group=$(group_dir)
  [ -n "$group" ] || return 0
  pid=$(server_pid)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid" > "$blkio/cgroup.procs"; fi
  rmdir "$group" 2>/dev/null || true
  rm -f "$dir/blkio-group"
}

remove() {
  stop
  unthrottle
  if [ -f "$dir/loop" ]; then
    umount "$dir/disk" 2>/dev/null || true
    losetup -d "$(cat "$dir/loop")" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start) start "${3:-}" ;;
  stop) stop ;;
  restart) stop; start ;;
  throttle) throttle "${3:-}" ;;
  unthrottle) unthrottle ;;
  device) device ;;
  remove) remove ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
