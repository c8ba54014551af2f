#!/usr/bin/env bash
# A 3-node MariaDB Galera cluster on 127.0.0.1, for innobench's cluster tests and for a person who
# wants to try `innobench run --hosts …` against one.
#
#   bash scripts/galera-cluster.sh up       # start every node that is not running (idempotent)
#   bash scripts/galera-cluster.sh status   # one line per node: port, pid, wsrep state, cluster size
#   bash scripts/galera-cluster.sh down     # clean shutdown of every running node (idempotent)
#   bash scripts/galera-cluster.sh wipe     # down, then delete the data directories
#
# Each node has its own data directory, socket, config file and error log under
# GALERA_DIR (default /tmp/innobench-galera/nodeN) and its own client port (GALERA_PORTS, default
# 3311,3312,3313). Galera's ports are spelled out per node because its defaults collide between
# neighbours on one address: the IST port defaults to the group (gcomm) port + 1. Node N (1-based)
# listens for the group on GALERA_GCOMM_BASE + 10·(N−1) (default 4571, 4581, 4591), IST on that + 1
# and rsync state transfer (SST) on that + 2. Every listener binds 127.0.0.1, the group port
# included (gmcast.listen_addr; Galera binds 0.0.0.0 unless told).
#
# Servers run (as the mysql user when this script runs as root) with `--defaults-file` = the node's own file, and this script's clients use
# `--no-defaults`: neither ever reads the shared server's configuration (/etc/mysql, ~/.my.cnf).
# Logins: root with an empty password over TCP, as on the shared test server.
#
# Bootstrapping: when no node answers, node 1 starts a new cluster (--wsrep-new-cluster; its
# grastate.dat is marked safe to bootstrap, which is right for this throw-away cluster but would
# not be for one whose nodes hold different data) and the others join it, taking a full copy by
# rsync. When some nodes answer, a missing node (one killed by a test, say) simply rejoins; when all
# answer but none is in a Primary component (a partition that did not heal), node 1 forms it again. `down`
# stops node 3, then 2, then 1, so that node 1 is the last one out and the natural bootstrapper.
set -euo pipefail

readonly GALERA_DIR="${GALERA_DIR:-/tmp/innobench-galera}"
IFS=',' read -r -a PORTS <<<"${GALERA_PORTS:-3311,3312,3313}"
readonly PORTS
readonly GCOMM_BASE="${GALERA_GCOMM_BASE:-4571}"
readonly START_TIMEOUT_SEC="${GALERA_START_TIMEOUT:-90}"
readonly NODES=${#PORTS[@]}
# The servers' user. Not root: the joiner's rsync daemon, started by the server, drops root to
# "nobody" and then cannot write the data directory; as any other user it keeps that user.
if [[ $EUID -eq 0 ]]; then
  RUN_USER="${GALERA_USER:-mysql}"
else
  RUN_USER="$(id -un)"
fi
readonly RUN_USER

log() { echo "galera-cluster: $*"; }
die() { echo "galera-cluster: error: $*" >&2; exit 1; }

provider_library() {
  local candidate
  for candidate in /usr/lib/galera/libgalera_smm.so /usr/lib/libgalera_smm.so /usr/lib64/galera-4/libgalera_smm.so; do
    [[ -f $candidate ]] && { echo "$candidate"; return 0; }
  done
  if command -v dpkg >/dev/null; then
    candidate="$(dpkg -L galera-4 2>/dev/null | grep -m1 'libgalera_smm\.so$' || true)"
    [[ -n $candidate && -f $candidate ]] && { echo "$candidate"; return 0; }
  fi
  return 1
}

# rsync carries the state transfer to a joining node: install it (Debian) when it is missing, as
# scripts/setup-mariadb.sh installs its tools.
ensure_rsync() {
  command -v rsync >/dev/null && return 0
  command -v apt-get >/dev/null || die "rsync is needed for state transfer; install it"
  log "installing rsync"
  local sudo=()
  [[ $EUID -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsync >/dev/null
}

node_dir() { echo "$GALERA_DIR/node$1"; }
client_port() { echo "${PORTS[$(($1 - 1))]}"; }
gcomm_port() { echo $((GCOMM_BASE + 10 * ($1 - 1))); }

cluster_address() {
  local n addresses=()
  for ((n = 1; n <= NODES; n++)); do addresses+=("127.0.0.1:$(gcomm_port "$n")"); done
  local IFS=','
  echo "gcomm://${addresses[*]}"
}

# Runs one statement on node N; prints the value(s), nothing when the node does not answer.
node_sql() {
  mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$(client_port "$1")" -u root \
    --connect-timeout=2 -N -B -e "$2" 2>/dev/null
}

node_answers() { node_sql "$1" 'SELECT 1' >/dev/null; }

node_pid() {
  local pid_file
  pid_file="$(node_dir "$1")/mariadbd.pid"
  [[ -f $pid_file ]] || return 1
  local pid
  pid="$(cat "$pid_file")"
  kill -0 "$pid" 2>/dev/null || return 1
  # A zombie (killed, not yet reaped) is no server.
  [[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && return 1
  echo "$pid"
}

wsrep_status() {
  node_sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" | cut -f2
}

write_config() {
  local n=$1 dir gcomm provider
  dir="$(node_dir "$n")"
  gcomm="$(gcomm_port "$n")"
  provider="$(provider_library)" || die "the Galera provider library (libgalera_smm.so) is not installed: apt-get install galera-4"
  cat >"$dir/my.cnf" <<EOF
# Written by scripts/galera-cluster.sh; node $n of $NODES.
[mariadbd]
datadir=$dir/data
socket=$dir/mariadbd.sock
pid-file=$dir/mariadbd.pid
log-error=$dir/error.log
port=$(client_port "$n")
bind-address=127.0.0.1
user=$RUN_USER
innodb_buffer_pool_size=128M
innodb_log_file_size=32M
performance_schema=OFF
max_connections=400
# Galera replicates row images and needs interleaved auto-increment locks.
binlog_format=ROW
innodb_autoinc_lock_mode=2
default_storage_engine=InnoDB
wsrep_on=ON
wsrep_provider=$provider
wsrep_cluster_name=innobench
wsrep_cluster_address=$(cluster_address)
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$gcomm
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$gcomm;ist.recv_addr=127.0.0.1:$((gcomm + 1));base_port=$gcomm"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$((gcomm + 2))
EOF
}

install_datadir() {
  local n=$1 dir
  dir="$(node_dir "$n")"
  [[ -d $dir/data/mysql ]] && return 0
  mkdir -p "$dir/data"
  [[ $EUID -eq 0 ]] && chown -R "$RUN_USER" "$GALERA_DIR"
  log "node $n: creating its data directory"
  mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db --user="$RUN_USER" --innodb-log-file-size=32M >"$dir/install.log" 2>&1 \
    || { tail -n 20 "$dir/install.log" >&2; die "node $n: mariadb-install-db failed"; }
}

# Waits until node N answers and says Synced; on failure prints its error log's tail.
wait_synced() {
  local n=$1 pid=$2 deadline=$((SECONDS + START_TIMEOUT_SEC)) state=''
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$(node_dir "$n")/error.log" >&2
      die "node $n exited while starting (log above: $(node_dir "$n")/error.log)"
    fi
    state="$(wsrep_status "$n" wsrep_local_state_comment || true)"
    [[ $state == Synced ]] && return 0
    sleep 0.5
  done
  tail -n 30 "$(node_dir "$n")/error.log" >&2
  die "node $n did not reach Synced within ${START_TIMEOUT_SEC}s (state: ${state:-not answering})"
}

# After a crash (kill -9) grastate.dat says seqno -1: the node would take a full copy (SST, which
# also blocks the donor's writes while it flushes). As galera_recovery does for systemd, recover
# the last committed position from InnoDB first, so that the node rejoins with an incremental
# transfer (IST) from the others' write-set cache.
recovered_position() {
  local n=$1 dir
  dir="$(node_dir "$n")"
  grep -q '^seqno: *-1' "$dir/data/grastate.dat" 2>/dev/null || return 0
  mariadbd --defaults-file="$dir/my.cnf" --wsrep-recover --log-error="$dir/recover.log" >/dev/null 2>&1 || return 0
  grep -a 'WSREP: Recovered position:' "$dir/recover.log" | tail -n 1 | sed 's/.*Recovered position: *//'
}

start_node() {
  local n=$1 bootstrap=$2 dir args=() position
  dir="$(node_dir "$n")"
  mkdir -p "$dir"
  chmod 755 "$GALERA_DIR"
  install_datadir "$n"
  write_config "$n"
  position="$(recovered_position "$n")"
  if [[ -n $position ]]; then
    log "node $n: recovered position $position (after a crash): rejoins by IST"
    args+=("--wsrep-start-position=$position")
  fi
  if [[ $bootstrap == yes ]]; then
    args+=(--wsrep-new-cluster)
    [[ -f $dir/data/grastate.dat ]] && sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$dir/data/grastate.dat"
  fi
  local role=''
  [[ $bootstrap == yes ]] && role=', bootstraps the cluster'
  log "node $n: starting on 127.0.0.1:$(client_port "$n") (group port $(gcomm_port "$n")$role)"
  # setsid: the server outlives this script and a test runner's process group.
  setsid mariadbd --defaults-file="$dir/my.cnf" "${args[@]}" </dev/null >>"$dir/console.log" 2>&1 &
  local pid=$!
  wait_synced "$n" "$pid"
  log "node $n: Synced (cluster size $(wsrep_status "$n" wsrep_cluster_size))"
}

cmd_up() {
  provider_library >/dev/null || die "the Galera provider library (libgalera_smm.so) is not installed: apt-get install galera-4"
  ensure_rsync
  local n any_up=no
  for ((n = 1; n <= NODES; n++)); do node_answers "$n" && any_up=yes; done
  for ((n = 1; n <= NODES; n++)); do
    if node_answers "$n"; then
      log "node $n: already running on 127.0.0.1:$(client_port "$n")"
      continue
    fi
    # A process that was just killed may take a moment to go; one that lives on without answering
    # (still starting, or hung) is not this script's to replace.
    local waited=0
    while node_pid "$n" >/dev/null && ! node_answers "$n" && ((waited < 20)); do sleep 0.5; waited=$((waited + 1)); done
    if node_answers "$n"; then
      log "node $n: already running on 127.0.0.1:$(client_port "$n")"
      continue
    fi
    node_pid "$n" >/dev/null && die "node $n has a live process (pid $(node_pid "$n")) that does not answer; run '$0 down' first"
    if [[ $any_up == no ]]; then
      start_node "$n" yes
      any_up=yes
    else
      start_node "$n" no
    fi
  done
  ensure_primary
}

# Every node answers but none is in a Primary component (a partition that did not heal, e.g. after
# the machine stalled longer than the group's timeouts): node 1 is told to form the Primary
# component again (pc.bootstrap) and the others rejoin it.
ensure_primary() {
  local n
  for ((n = 1; n <= NODES; n++)); do
    [[ $(wsrep_status "$n" wsrep_cluster_status) == Primary ]] && return 0
  done
  log "no node is in a Primary component: node 1 bootstraps it again (pc.bootstrap=YES)"
  mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$(client_port 1)" -u root \
    -e "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'" || die "node 1 refused pc.bootstrap"
  sleep 1
  for ((n = 1; n <= NODES; n++)); do wait_synced "$n" "$(node_pid "$n")"; done
}

stop_node() {
  local n=$1 pid deadline
  pid="$(node_pid "$n")" || { log "node $n: not running"; return 0; }
  log "node $n: shutting down (pid $pid)"
  mariadb-admin --no-defaults --protocol=TCP -h 127.0.0.1 -P "$(client_port "$n")" -u root shutdown 2>/dev/null \
    || kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      log "node $n: still running after 60 s, SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    sleep 0.3
  done
}

cmd_down() {
  local n
  for ((n = NODES; n >= 1; n--)); do stop_node "$n"; done
}

cmd_status() {
  local n pid state size cluster up=0
  for ((n = 1; n <= NODES; n++)); do
    pid="$(node_pid "$n" || echo -)"
    if node_answers "$n"; then
      up=$((up + 1))
      state="$(wsrep_status "$n" wsrep_local_state_comment)"
      size="$(wsrep_status "$n" wsrep_cluster_size)"
      cluster="$(wsrep_status "$n" wsrep_cluster_status)"
      echo "node$n 127.0.0.1:$(client_port "$n") pid $pid $state cluster_size $size $cluster"
    else
      echo "node$n 127.0.0.1:$(client_port "$n") pid $pid down"
    fi
  done
  # Exit status for scripts: 0 all nodes up, 3 some or none.
  ((up == NODES)) || return 3
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  wipe) cmd_down; rm -rf "$GALERA_DIR"; log "removed $GALERA_DIR" ;;
  *) echo "usage: $0 up|down|status|wipe" >&2; exit 2 ;;
esac
