#!/bin/sh
# N client "hosts" on this machine, for trying `innobench run --shard auto/N` as N machines would:
# a bridge carrying the server's address, and per client a network namespace joined to it by a
# veth pair, with an address of its own. The namespaces reach only the bridge (no route out), so
# a server must listen on the bridge's address too (MariaDB: bind-address = 127.0.0.1,ADDRESS).
# Needs root.
#
#   scripts/client-namespaces.sh up TAG N [SUBNET]    SUBNET 10.213.0 (default): the server is SUBNET.1,
#                                                     client i (1..N) is SUBNET.(10+i) in namespace ibns<TAG>-i
#   scripts/client-namespaces.sh exec TAG I CMD...    runs CMD inside client i's namespace
#   scripts/client-namespaces.sh down TAG N           removes the namespaces and the bridge (idempotent)
#
# TAG keeps two users of the script apart (interface names stay within the kernel's 15 characters:
# keep it to 6 characters or fewer).
set -eu

cmd=${1:?usage: client-namespaces.sh up|exec|down TAG ...}
tag=${2:?a tag of up to 6 characters}
[ ${#tag} -le 6 ] || { echo "client-namespaces.sh: tag \"$tag\" is longer than 6 characters" >&2; exit 2; }
bridge="ibb$tag"
namespace() { echo "ibns$tag-$1"; }

down() {
  n=$1
  i=1
  while [ "$i" -le "$n" ]; do
    ip netns delete "$(namespace "$i")" 2>/dev/null || true
    i=$((i + 1))
  done
  ip link delete "$bridge" 2>/dev/null || true
}

case "$cmd" in
  up)
    n=${3:?how many clients}
    subnet=${4:-10.213.0}
    down "$n"
    ip link add "$bridge" type bridge
    ip addr add "$subnet.1/24" dev "$bridge"
    ip link set "$bridge" up
    i=1
    while [ "$i" -le "$n" ]; do
      ns=$(namespace "$i")
      ip netns add "$ns"
      ip link add "ibh$tag-$i" type veth peer name "ibn$tag-$i"
      ip link set "ibh$tag-$i" master "$bridge"
      ip link set "ibh$tag-$i" up
      ip link set "ibn$tag-$i" netns "$ns"
      ip -n "$ns" addr add "$subnet.$((10 + i))/24" dev "ibn$tag-$i"
      ip -n "$ns" link set "ibn$tag-$i" up
      ip -n "$ns" link set lo up
      i=$((i + 1))
    done
    ;;
  exec)
    i=${3:?which client (1-based)}
    shift 3
    exec ip netns exec "$(namespace "$i")" "$@"
    ;;
  down)
    down "${3:?how many clients}"
    ;;
  *)
    echo "client-namespaces.sh: unknown command \"$cmd\" (up, exec, down)" >&2
    exit 2
    ;;
esac
