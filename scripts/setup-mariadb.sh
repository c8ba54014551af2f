#!/usr/bin/env bash
# Makes sure a MariaDB/MySQL server answers on MYSQL_HOST:MYSQL_TCP_PORT (default 127.0.0.1:3306)
# to root with an empty password, which is what innobench's tests and benches connect as.
#
#   bash scripts/setup-mariadb.sh [--with-tools]
#
# If such a server already answers, it says so and changes nothing. Otherwise, on this machine
# only, it installs Debian's mariadb-server and mariadb-client when missing, starts the server
# without systemd (CI machines and containers have none), and lets root log in over TCP with an
# empty password. --with-tools also installs sysbench and GNU time (/usr/bin/time), which
# `npm run bench:sysbench` needs, Chromium for the HTML report's and live page's browser tests,
# Prometheus for the live-metrics tests and InfluxDB for --out influxdb's (their Debian services
# are stopped: tests start their own)
# and HdrHistogram's Java library (its HistogramLogProcessor reads latency.hlog in a test). Safe to run again: every step checks before it acts.
# It changes a login only on a server whose data directory this run created. A server that was
# already there and refuses root with an empty password (your own) is left alone: when your own
# settings (MYSQL_USER, MYSQL_PWD, ~/.my.cnf) log in, which innobench reads too, that is enough;
# otherwise the script stops and says how to give innobench credentials.
#
# MYSQL_UNIX_PORT is the server's socket (default /run/mysqld/mysqld.sock); INNOBENCH_MARIADB_CONF_DIR
# overrides where the config file is written (for testing).
set -euo pipefail

readonly TARGET_HOST="${MYSQL_HOST:-127.0.0.1}"
readonly TARGET_PORT="${MYSQL_TCP_PORT:-3306}"
readonly CONF_DIR="${INNOBENCH_MARIADB_CONF_DIR:-/etc/mysql/mariadb.conf.d}"
readonly CONF_FILE="$CONF_DIR/99-innobench.cnf"
readonly DATADIR=/var/lib/mysql
readonly RUN_DIR=/run/mysqld
readonly PID_FILE="$RUN_DIR/mysqld.pid"
# Written by start-stop-daemon, at once, unlike mariadbd's own PID_FILE, which a server that dies
# early never writes: it lets the wait below stop as soon as the server has died.
readonly LAUNCH_PID_FILE="$RUN_DIR/innobench-launch.pid"
readonly SOCKET="${MYSQL_UNIX_PORT:-$RUN_DIR/mysqld.sock}"
readonly LOG_DIR=/var/log/mysql
readonly ERROR_LOG="$LOG_DIR/error.log"
readonly START_TIMEOUT_SEC=60

apt_updated=0
# Whether the data directory existed before this run touched anything (set by main): a server on
# one that did is someone's own, and its logins are not this script's to change.
datadir_existed=1

log() { echo "setup-mariadb: $*"; }
die() { echo "setup-mariadb: error: $*" >&2; exit 1; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

client_bin() { command -v mariadb || command -v mysql; }
admin_bin() { command -v mariadb-admin || command -v mysqladmin; }
server_bin() {
  local candidate
  for candidate in /usr/sbin/mariadbd /usr/sbin/mysqld; do
    [[ -x $candidate ]] && { echo "$candidate"; return 0; }
  done
  return 1
}

# --- packages -------------------------------------------------------------------------------

# Installs the named Debian packages that are not installed yet; apt-get update runs once, before
# the first install, because a fresh machine's package lists may be empty or stale.
apt_install() {
  local missing=() package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  if [[ $apt_updated -eq 0 ]]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

install_tools() {
  local wanted=()
  command -v sysbench >/dev/null || wanted+=(sysbench)
  [[ -x /usr/bin/time ]] || wanted+=(time)
  # The HTML report's test renders it in Debian's Chromium (driven by playwright-core).
  [[ -x /usr/bin/chromium ]] || wanted+=(chromium)
  command -v prometheus >/dev/null || wanted+=(prometheus)
  [[ -f /usr/share/java/hdrhistogram.jar ]] || wanted+=(libhdrhistogram-java)
  # --out influxdb's test writes to a private InfluxDB 1.x of its own.
  [[ -x /usr/bin/influxd ]] || wanted+=(influxdb)
  [[ ${#wanted[@]} -eq 0 ]] || apt_install "${wanted[@]}"
  # The packages may start their services (:9090, :8086); the tests run their own on free ports.
  local service
  for service in prometheus influxdb; do
    if [[ " ${wanted[*]} " == *" $service "* && -x /etc/init.d/$service ]]; then
      as_root /etc/init.d/$service stop >/dev/null 2>&1 || true
    fi
  done
}

# The client comes first: without it there is no asking whether a server already answers.
install_client() {
  client_bin >/dev/null || apt_install mariadb-client
}

install_server() {
  server_bin >/dev/null || apt_install mariadb-server
}

# --- probes ---------------------------------------------------------------------------------

# As root: the data directory is usually readable by mysql only.
datadir_initialised() {
  as_root test -d "$DATADIR/mysql"
}

is_loopback() {
  [[ $1 == localhost || $1 == 127.* || $1 == ::1 ]]
}

port_is_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# Runs SQL as root with an empty password over TCP. --no-defaults keeps a ~/.my.cnf or MYSQL_PWD
# from supplying some other password; --password= means "empty", not "ask".
tcp_root_sql() {
  "$(client_bin)" --no-defaults --protocol=tcp --host="$TARGET_HOST" --port="$TARGET_PORT" \
    --user=root --password= --connect-timeout=5 --batch --skip-column-names -e "$1"
}

tcp_root_login_works() {
  tcp_root_sql 'SELECT 1' >/dev/null 2>&1
}

# The account the user's own client settings log in as (MYSQL_USER, MYSQL_PWD, ~/.my.cnf), which
# innobench reads too; empty when they do not get in.
own_login() {
  local user_args=()
  [[ -n ${MYSQL_USER:-} ]] && user_args=(--user="$MYSQL_USER")
  "$(client_bin)" --protocol=tcp --host="$TARGET_HOST" --port="$TARGET_PORT" "${user_args[@]}" \
    --connect-timeout=5 --batch --skip-column-names -e 'SELECT CURRENT_USER()' 2>/dev/null || true
}

# Runs SQL as the operating system's root through the socket: Debian's MariaDB lets it in by
# unix_socket authentication whatever root's password is.
socket_root_sql() {
  as_root "$(client_bin)" --no-defaults --protocol=socket --socket="$SOCKET" --user=root \
    --batch --skip-column-names -e "$1"
}

# --- starting the server --------------------------------------------------------------------

# What the server must run with, as name=value. user = mysql lets root start mariadbd without
# systemd (mariadbd refuses to run as root otherwise); the paths are the ones this script then
# looks at.
required_settings() {
  printf '%s\n' user=mysql bind-address=127.0.0.1 "port=$TARGET_PORT" "socket=$SOCKET" \
    "pid-file=$PID_FILE" "log-error=$ERROR_LOG"
}

# Debian's package reads CONF_DIR through /etc/mysql/mariadb.cnf's !includedir.
write_config() {
  as_root mkdir -p "$CONF_DIR"
  {
    echo "# Written by innobench's scripts/setup-mariadb.sh"
    echo "[mysqld]"
    required_settings | sed 's/=/ = /'
  } | as_root tee "$CONF_FILE" >/dev/null
  log "wrote $CONF_FILE"
}

# The value mariadbd will use for an option: the last one its config files give, whether they
# spell the name with dashes or underscores.
effective_setting() {
  my_print_defaults --mysqld 2>/dev/null | sed -n "s/^--${1//-/[-_]}=//p" | tail -n 1
}

required_settings_in_effect() {
  local setting
  while read -r setting; do
    [[ "$(effective_setting "${setting%%=*}")" == "${setting#*=}" ]] || return 1
  done < <(required_settings)
}

# Command-line options for a machine whose my.cnf does not include CONF_DIR (some images replace
# Debian's my.cnf with one of their own) or overrides the file.
server_args() {
  required_settings_in_effect && return 0
  log "the config files do not give every setting of $CONF_FILE; passing them on the command line" >&2
  required_settings | sed 's/^/--/'
}

# /run is emptied at boot and systemd's tmpfiles would create these; without it we must.
prepare_directories() {
  as_root install -d -o mysql -g mysql "$RUN_DIR" "$LOG_DIR"
  if ! datadir_initialised; then
    log "initialising $DATADIR"
    local output
    output="$(as_root mariadb-install-db --user=mysql --datadir="$DATADIR" 2>&1)" \
      || { echo "$output" >&2; die "mariadb-install-db failed (its output is above)"; }
  fi
}

start_server() {
  local server args
  server="$(server_bin)" || die "mariadb-server is installed but has no mariadbd/mysqld binary"
  mapfile -t args < <(server_args)
  log "starting $server"
  # --pidfile makes --oknodo mean "the server this script started still runs", not "some
  # mariadbd runs" (which might be another instance on another port).
  as_root start-stop-daemon --start --oknodo --background --make-pidfile \
    --pidfile "$LAUNCH_PID_FILE" --exec "$server" -- "${args[@]}"
}

server_process_alive() {
  as_root kill -0 "$(cat "$LAUNCH_PID_FILE")" 2>/dev/null
}

wait_until_server_answers() {
  local waited=0
  until as_root "$(admin_bin)" --no-defaults --protocol=socket --socket="$SOCKET" --user=root \
      --connect-timeout=2 ping >/dev/null 2>&1; do
    if ! server_process_alive; then
      tail -n 20 "$ERROR_LOG" >&2 2>/dev/null || true
      die "the server exited while starting (the end of $ERROR_LOG is above)"
    fi
    if (( waited >= START_TIMEOUT_SEC )); then
      tail -n 20 "$ERROR_LOG" >&2 2>/dev/null || true
      die "the server did not answer within ${START_TIMEOUT_SEC} s (the end of $ERROR_LOG is above)"
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "server answers on $SOCKET after ${waited} s"
}

# --- root over TCP --------------------------------------------------------------------------

# Stops without touching a server this run did not create. Weakening a login someone chose (giving
# their root an empty password over TCP) is not a setup step; innobench can use their credentials.
refuse_existing_server() {
  die "$1, and root with an empty password is refused. This script changes logins only on a server it
set up itself, so it leaves this one alone. Point innobench (and the tests: IB_TEST_USER, IB_TEST_PASSWORD)
at it with an account of yours instead:
  MYSQL_USER=<user> MYSQL_PWD=<password> npx innobench run ...      (the mysql client's variables)
  npx innobench run ... --defaults-file <file>                      ([client] user=... password=...)
  ~/.my.cnf                                                         (the same [client] group, read by default)"
}

# The server this run created answers on the socket, and it is the one on TARGET_PORT (not another
# instance that happens to listen there).
socket_server_is_ours() {
  [[ $datadir_existed -eq 0 ]] && datadir_initialised || return 1
  local answer
  answer="$(socket_root_sql 'SELECT @@port, @@datadir' 2>/dev/null)" || return 1
  [[ $answer == "$TARGET_PORT"$'\t'"$DATADIR" || $answer == "$TARGET_PORT"$'\t'"$DATADIR/" ]]
}

# Debian's root@localhost logs in by unix_socket only; add an empty mysql_native_password as an
# alternative. With skip-name-resolve ON, a TCP login from 127.0.0.1 matches only a
# root@127.0.0.1 account (never root@localhost), so that account must exist too.
allow_root_over_tcp() {
  socket_root_sql 'SELECT 1' >/dev/null 2>&1 \
    || die "cannot log in as root through $SOCKET to let root in over TCP; give root@$TARGET_HOST an empty password yourself"
  log "letting root log in with an empty password over TCP"
  socket_root_sql "ALTER USER root@localhost IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket"
  if [[ "$(socket_root_sql 'SELECT @@skip_name_resolve')" == 1 ]]; then
    log "skip-name-resolve is ON: adding root@127.0.0.1"
    socket_root_sql "CREATE USER IF NOT EXISTS root@127.0.0.1;
      ALTER USER root@127.0.0.1 IDENTIFIED VIA mysql_native_password USING PASSWORD('');
      GRANT ALL PRIVILEGES ON *.* TO root@127.0.0.1 WITH GRANT OPTION"
  fi
}

report_ready() {
  log "$1: root@$TARGET_HOST:$TARGET_PORT answers ($(tcp_root_sql 'SELECT VERSION()'))"
}

# --- main -----------------------------------------------------------------------------------

# The comment block at the top of this file.
usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "${BASH_SOURCE[0]}"
}

main() {
  local with_tools=0 arg
  for arg in "$@"; do
    case $arg in
      --with-tools) with_tools=1 ;;
      -h|--help) usage; return 0 ;;
      *) die "unknown option $arg (see --help)" ;;
    esac
  done

  [[ $with_tools -eq 1 ]] && install_tools
  install_client

  if tcp_root_login_works; then
    report_ready "already running"
    return 0
  fi
  is_loopback "$TARGET_HOST" \
    || die "no server answers as root on $TARGET_HOST:$TARGET_PORT, and only a local one can be set up here"

  # Something listens but turns root away: someone's own server, never this script's to change.
  if port_is_open "$TARGET_HOST" "$TARGET_PORT"; then
    local account
    account="$(own_login)"
    if [[ -n $account ]]; then
      log "a server answers on $TARGET_HOST:$TARGET_PORT as $account with your own settings (MYSQL_PWD, ~/.my.cnf), which innobench reads too; nothing changed"
      log "root with an empty password is refused there: for npm test set IB_TEST_USER and IB_TEST_PASSWORD"
      return 0
    fi
    refuse_existing_server "a server already listens on $TARGET_HOST:$TARGET_PORT"
  fi
  datadir_initialised || datadir_existed=0

  install_server
  if port_is_open "$TARGET_HOST" "$TARGET_PORT"; then
    # The package's own scripts may start the server they just installed (Debian's root then
    # logs in by unix_socket only).
    socket_server_is_ours \
      || refuse_existing_server "a server this script did not set up listens on $TARGET_HOST:$TARGET_PORT"
    log "the server installed in this run listens on $TARGET_HOST:$TARGET_PORT but refuses root with an empty password"
  else
    write_config
    prepare_directories
    start_server
    wait_until_server_answers
    if tcp_root_login_works; then
      report_ready "ready"
      return 0
    fi
    socket_server_is_ours \
      || refuse_existing_server "the server started on the existing data directory $DATADIR answers on $TARGET_HOST:$TARGET_PORT"
  fi
  allow_root_over_tcp
  tcp_root_login_works || die "root still cannot log in over TCP on $TARGET_HOST:$TARGET_PORT"
  report_ready "ready"
}

# Sourcing the file (for tests) defines the functions without running anything.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
