#!/usr/bin/env bash
# Captures the Linux kernel talking to itself over a lossy path, for DecodeAnalysisInteropTest:
# three network namespaces of our own in a line, a -- r -- b, joined by veth pairs; r routes and
# its nftables forward chain drops LOSS per mille of TCP packets each way (no netem needed);
# segments stay at one MSS each (gso_max_segs 1); tcpdump captures at b. Loss upstream of b shows
# in the capture as segments not captured, loss of b's ACKs as retransmissions of what b had.
# Everything it makes is removed on exit.
#   lossy_capture.sh OUT.pcap TALK.py   (env: LOSS BYTES READ RCVBUF PAUSE)
set -euo pipefail
out=$1; talk=$2
a=synack-da-$$; r=synack-dr-$$; b=synack-db-$$
cleanup() {
  kill "${td:-}" 2>/dev/null || true
  for n in "$a" "$r" "$b"; do ip netns del "$n" 2>/dev/null || true; done
}
trap cleanup EXIT
for n in "$a" "$r" "$b"; do ip netns add "$n"; ip -n "$n" link set lo up; done
ip link add va netns "$a" type veth peer name ra netns "$r"
ip link add vb netns "$b" type veth peer name rb netns "$r"
ip -n "$a" addr add 10.211.1.2/24 dev va; ip -n "$r" addr add 10.211.1.1/24 dev ra
ip -n "$b" addr add 10.211.2.2/24 dev vb; ip -n "$r" addr add 10.211.2.1/24 dev rb
for l in "$a va" "$r ra" "$r rb" "$b vb"; do
  set -- $l
  ip -n "$1" link set "$2" gso_max_segs 1 2>/dev/null || true
  ip -n "$1" link set "$2" up
done
ip -n "$a" route add default via 10.211.1.1
ip -n "$b" route add default via 10.211.2.1
ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
ip netns exec "$r" nft add table inet loss
ip netns exec "$r" nft add chain inet loss drops '{ type filter hook forward priority 0; }'
ip netns exec "$r" nft add rule inet loss drops meta l4proto tcp numgen random mod 1000 '<' "${LOSS:-20}" drop
ip netns exec "$b" tcpdump -i vb -U -w "$out" 2>"$out.log" & td=$!
for _ in $(seq 100); do grep -q listening "$out.log" 2>/dev/null && break; sleep 0.05; done
ip netns exec "$a" timeout 90 python3 "$talk" server 10.211.1.2 5001 "${BYTES:-2000000}" > "$out.server" & server=$!
for _ in $(seq 100); do grep -q listening "$out.server" 2>/dev/null && break; sleep 0.05; done
ip netns exec "$b" timeout 90 python3 "$talk" client 10.211.1.2 5001
wait "$server"
sleep 0.5
kill "$td"; wait "$td" || true
