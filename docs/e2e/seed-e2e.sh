#!/usr/bin/env bash
# The seed's end-to-end check ("two public machines": docs/e2e/README.md), on one Linux machine: a gateway host and
# two node hosts made with network namespaces, each with its own address, a NAT router in front of one node, coturn
# for STUN/TURN, and faults (gateway SIGKILL, a cut link). Every node's endpoint listens on 127.0.0.1 inside its own
# namespace, so the gateway can reach it only through the node's P2P channel.
#
#   sudo docs/e2e/seed-e2e.sh            # prints a PASS/FAIL table; exit 0 only when every step passed
#
# Exit codes: 0 all passed, 1 a step failed, 77 cannot run here (not root, a tool or the jar missing; says which),
# 130/143 interrupted. Environment:
#   CLAWGO_JAR            the CLI jar (default: clawgo-examples/target/clawgo.jar of this repository)
#   CLAWGO_E2E_JAVA       the java command (default: $JAVA_HOME/bin/java, else java)
#   CLAWGO_E2E_FW         iptables | nft: the firewall tool of the NAT router (default: iptables if found, else nft)
#   CLAWGO_E2E_KEEP=1     keep the temporary directory (logs, configs, data) instead of deleting it
#   CLAWGO_E2E_ARTIFACTS  a directory to copy the logs into before the temporary directory is deleted
#
# Everything it makes (namespaces named cge<random>-*, the veths and the bridge inside them, processes, the
# temporary directory) is removed by an EXIT trap, also after a failure or Ctrl-C. Test traffic stays inside those
# namespaces: they have no route to the machine's own interfaces.
set -euo pipefail

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# ------------------------------------------------------------------------------------------------ plan, constants
SUBNET=10.77.0          # the "public" LAN on the bridge: gateway, node 1, (node 2 before NAT), the NAT router
PRIV=10.77.2            # the private LAN behind the NAT router
GW_IP=$SUBNET.1
N1_IP=$SUBNET.11
N2_IP=$SUBNET.12
NAT_IP=$SUBNET.254
N2_PRIV_IP=$PRIV.2
PORT=18790
TURN_PORT=3478
GW_URL=http://$GW_IP:$PORT
TASK="Return exactly the string NODE_P2P_OK"
HEARTBEAT_SEC=10
NODE_TTL_SEC=25         # 2.5 heartbeats: a cut node goes offline within ~30 s (the default 60 s works too, slower)
READY_TIMEOUT_SEC=8     # how long a dispatch waits for a WebRTC DataChannel before falling back
JOPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -Xshare:auto)

RUN=cge$(printf '%04x%04x' $((RANDOM)) $(( $$ & 0xffff )))   # unique per run: parallel or leftover runs never clash
GW_PID=""
GW_SEQ=0
GW_LOG=""
TURN_PID=""
FW=""
NAT_READY=""
STEADY=""
LINK_CUT_MS=0
REREG_BEFORE=0
GW_READY_MS=0
declare -A NODE_PID=()

usage() {
  sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}


prereqs() {
  prereqs_base turnserver
  FW=${CLAWGO_E2E_FW:-}
  if [ -z "$FW" ]; then
    if command -v iptables >/dev/null 2>&1; then FW=iptables
    elif command -v nft >/dev/null 2>&1; then FW=nft
    else skip "neither iptables nor nft is installed (Debian: iptables or nftables), needed for the NAT router"; fi
  fi
  case $FW in iptables|nft) ;; *) echo "CLAWGO_E2E_FW must be iptables or nft, got '$FW'" >&2; exit 2 ;; esac
  command -v "$FW" >/dev/null 2>&1 || skip "CLAWGO_E2E_FW=$FW but $FW is not installed"
}


api() { api_at gw "$GW_URL" "$@"; }   # METHOD PATH [BODY] > answer, from the gateway host

nodes_json() { api GET /webui/api/nodes > "$TMPD/nodes.json" 2>/dev/null; }

dispatch() { # node_id timeout_sec wait_sec out_file
  local body
  body=$(printf '{"action":"dispatch_and_wait","agent_id":"node.%s.main","task":"%s","timeout_sec":%d,"wait_timeout_sec":%d}' \
    "$1" "$TASK" "$2" "$3")
  CURL_MAX=$(( $3 + 15 )) api POST /webui/api/subagents_runtime "$body" > "$4" 2>>"$LOGS/curl.log" || true
}

write_config() { # file transport stun_json ice_json
  cat > "$1" <<EOF
{
  "gateway": {
    "host": "0.0.0.0",
    "port": $PORT,
    "token": "$TOKEN",
    "data_dir": "$TMPD/gateway-data",
    "node_ttl_sec": $NODE_TTL_SEC,
    "nodes": {
      "p2p": {
        "enabled": true,
        "transport": "$2",
        "stun_servers": $3,
        "ice_servers": $4,
        "ready_timeout_sec": $READY_TIMEOUT_SEC
      },
      "dispatch": {"prefer_p2p": true, "allow_relay_fallback": true}
    }
  }
}
EOF
  chmod 600 "$1"
}

start_gateway() { # config_file
  GW_SEQ=$((GW_SEQ + 1))
  GW_LOG=$LOGS/gateway-$GW_SEQ.log
  mkdir -p "$TMPD/jtmp/gw$GW_SEQ"
  ip netns exec "$RUN-gw" "$JAVA" "${JOPTS[@]}" -Djava.io.tmpdir="$TMPD/jtmp/gw$GW_SEQ" \
    -Dorg.slf4j.simpleLogger.log.io.clawgo.transport.webrtc=debug \
    -jar "$JAR" gateway --config "$1" > "$GW_LOG" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  FAIL_LOGS+=("$GW_LOG")
  local end=$(( $(now_ms) + 45000 ))
  while ! grep -q '^clawgo gateway listening on' "$GW_LOG" 2>/dev/null; do
    alive "$GW_PID" || { DETAIL="gateway #$GW_SEQ exited: $(grep -m1 'error' "$GW_LOG" || tail -n1 "$GW_LOG")"; return 1; }
    [ "$(now_ms)" -lt "$end" ] || { DETAIL="gateway #$GW_SEQ not listening within 45 s"; return 1; }
    sleep 0.2
  done
  GW_READY_MS=$(now_ms)
}

stop_gateway() { stop_pid "$GW_PID" TERM 15; GW_PID=""; }

start_node() { # n1|n2
  local n=$1 i=${1#n}
  mkdir -p "$TMPD/jtmp/$n"
  ip netns exec "$RUN-$n" "$JAVA" "${JOPTS[@]}" -Djava.io.tmpdir="$TMPD/jtmp/$n" -jar "$JAR" node register \
    --gateway "$GW_URL" --token "$TOKEN" --id "e2e-$n" --name "$n" --endpoint "http://127.0.0.1:$((19080 + i))" \
    --actions run,agent_task --models gpt-4o-mini --capabilities run,invoke,model \
    --watch --heartbeat-sec "$HEARTBEAT_SEC" > "$LOGS/node-$n.log" 2>&1 &
  NODE_PID[$n]=$!
  PIDS+=("$!")
}

both_online() {
  nodes_json && jt "$TMPD/nodes.json" 'node("e2e-n1").get("online") is True and node("e2e-n2").get("online") is True'
}
node_online() { nodes_json && jt "$TMPD/nodes.json" "node('e2e-$1').get('online') is True"; }

endpoint_hits() { grep -c '^request POST /agent/task' "$LOGS/endpoint-$1.log" 2>/dev/null || true; }

# dispatch_check n transport: a completed agent task over `transport` answered by n's endpoint
dispatch_check() {
  local n=$1 want=$2 before after out=$TMPD/dispatch-$1-$(now_ms).json
  before=$(endpoint_hits "$n")
  dispatch "e2e-$n" 30 45 "$out"
  after=$(endpoint_hits "$n")
  DETAIL="$(jv "$out" 'brief()'); endpoint requests +$((after - before))"
  FAIL_LOGS+=("$GW_LOG" "$LOGS/node-$n.log")
  jt "$out" "d.get('ok') is True and reply().get('status') == 'completed' and 'agent_task from e2e-$n' in str(reply().get('result')) and reply().get('used_transport') == '$want'" \
    || return 1
  [ $((after - before)) -ge 1 ] || fail "$DETAIL (the endpoint did not see the request)"
}

fw() { nsx nat "$FW" "$@"; }

fw_init() { # masquerade what leaves eth0 (the bridge side); a chain E2E for the blocking phases
  if [ "$FW" = iptables ]; then
    fw -t nat -A POSTROUTING -o eth0 -j MASQUERADE
    fw -N E2E
    fw -A FORWARD -j E2E
  else
    fw -f - <<'NFT'
table ip e2e {
  chain e2epost { type nat hook postrouting priority srcnat; policy accept; oifname "eth0" counter masquerade; }
  chain e2efwd { type filter hook forward priority filter; policy accept; }
}
NFT
  fi
}

# fw_phase open | turn-only | tunnel-only
#   open:        NAT only; everything may leave (counted: udp-out)
#   turn-only:   from the private side only TCP to the gateway's port and UDP to coturn's port; the rest dropped
#   tunnel-only: only TCP to the gateway's port (the control WebSocket); no UDP at all, so no STUN, TURN or media
fw_phase() {
  local phase=$1
  if [ "$FW" = iptables ]; then
    fw -F E2E
    if [ "$phase" = open ]; then
      fw -A E2E -i eth1 -o eth0 -p udp -m comment --comment udp-out
      return
    fi
    fw -A E2E -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
    fw -A E2E -i eth1 -o eth0 -p tcp -d "$GW_IP" --dport "$PORT" -m comment --comment control -j ACCEPT
    if [ "$phase" = turn-only ]; then
      fw -A E2E -i eth1 -o eth0 -p udp -d "$GW_IP" --dport "$TURN_PORT" -m comment --comment turn -j ACCEPT
    fi
    fw -A E2E -m comment --comment blocked -j DROP
  else
    fw flush chain ip e2e e2efwd
    if [ "$phase" = open ]; then
      fw add rule ip e2e e2efwd iifname eth1 oifname eth0 meta l4proto udp counter comment '"udp-out"'
      return
    fi
    fw add rule ip e2e e2efwd ct state established,related accept
    fw add rule ip e2e e2efwd iifname eth1 oifname eth0 ip daddr "$GW_IP" tcp dport "$PORT" counter accept comment '"control"'
    if [ "$phase" = turn-only ]; then
      fw add rule ip e2e e2efwd iifname eth1 oifname eth0 ip daddr "$GW_IP" udp dport "$TURN_PORT" counter accept comment '"turn"'
    fi
    fw add rule ip e2e e2efwd counter drop comment '"blocked"'
  fi
}

fw_phase_turn_counter() { # counts every packet n2 sends to coturn (the accept rule sees only the first of a flow)
  if [ "$FW" = iptables ]; then
    fw -I E2E 1 -i eth1 -o eth0 -p udp -d "$GW_IP" --dport "$TURN_PORT" -m comment --comment turn-all
  else
    fw insert rule ip e2e e2efwd iifname eth1 oifname eth0 ip daddr "$GW_IP" udp dport "$TURN_PORT" counter comment '"turn-all"'
  fi
}

fw_count() { # comment -> packets counted by that rule
  local out
  if [ "$FW" = iptables ]; then
    out=$(fw -L E2E -v -n -x 2>/dev/null) || { echo 0; return; }
    awk -v c="/* $1 */" 'index($0, c) { print $1; found=1; exit } END { if (!found) print 0 }' <<<"$out"
  else
    out=$(fw list chain ip e2e e2efwd 2>/dev/null) || { echo 0; return; }
    awk -v c="comment \"$1\"" 'index($0, c) { for (i = 1; i < NF; i++) if ($i == "packets") { print $(i+1); found=1; exit } }
      END { if (!found) print 0 }' <<<"$out"
  fi
}

start_coturn() {
  ip netns exec "$RUN-gw" turnserver -n --listening-ip="$GW_IP" --relay-ip="$GW_IP" --listening-port="$TURN_PORT" \
    --min-port=49160 --max-port=49260 --lt-cred-mech --user=u:p --realm=clawgo --no-tls --no-dtls --no-cli \
    --verbose --log-file=stdout --simple-log --pidfile="$TMPD/turnserver.pid" --userdb="$TMPD/turndb" \
    > "$LOGS/coturn.log" 2>&1 &
  TURN_PID=$!
  PIDS+=("$TURN_PID")
  wait_until 15 0.2 udp_listening "$TURN_PORT" || { DETAIL="coturn is not listening on $GW_IP:$TURN_PORT"; return 1; }
}
udp_listening() { [ -n "$(nsx gw ss -Hlun "sport = :$1" 2>/dev/null)" ]; }

# ----------------------------------------------------------------------------------------------------------- steps
step_topology() {
  local n
  for n in br gw n1 n2; do mk_ns "$n" || fail "ip netns add $(ns "$n") failed" || return 1; done
  ip -n "$RUN-br" link add br0 type bridge || fail "cannot create a bridge" || return 1
  ip -n "$RUN-br" link set br0 up
  to_bridge gw "$GW_IP" && to_bridge n1 "$N1_IP" && to_bridge n2 "$N2_IP" || fail "cannot create the veths" || return 1
  # each node host reaches the gateway host (a TCP connect to a closed port answers 'refused' = reachable)
  for n in n1 n2; do
    wait_until 10 0.2 reaches_gw "$n" || fail "$n cannot reach $GW_IP: $REACH_OUT" || return 1
  done
  DETAIL="namespaces $RUN-{br,gw,n1,n2}; gw $GW_IP, n1 $N1_IP, n2 $N2_IP on bridge br0 (IPv6 off)"
}

REACH_OUT=""
reaches_gw() { # a TCP connect to the closed gateway port answers 'refused': the host is reachable
  REACH_OUT=$(tcp_connect "$1" "$GW_IP" "$PORT")
  [[ $REACH_OUT == *refused* ]]
}
step_endpoints() {
  local n i
  for n in n1 n2; do
    i=${n#n}
    ip netns exec "$RUN-$n" python3 -u "$TMPD/endpoint.py" "$((19080 + i))" "e2e-$n" > "$LOGS/endpoint-$n.log" 2>&1 &
    PIDS+=("$!")
  done
  for n in n1 n2; do
    i=${n#n}
    FAIL_LOGS+=("$LOGS/endpoint-$n.log")
    wait_until 10 0.2 endpoint_listening "$n" "$((19080 + i))" || fail "endpoint of $n not listening" || return 1
  done
  # the endpoint is reachable on the node host's loopback and nowhere else: not from the gateway host
  local local_ok remote
  local_ok=$(nsx n1 curl -sS -m 3 -X POST -d '{"action":"run"}' http://127.0.0.1:19081/run 2>&1 || true)
  case $local_ok in *'"run from e2e-n1"'*) ;; *) fail "endpoint on n1 answered: $local_ok"; return 1 ;; esac
  remote=$(tcp_connect gw "$N1_IP" 19081)
  [[ $remote == *refused* ]] || fail "gw connecting to $N1_IP:19081: $remote" || return 1
  DETAIL="n1: $(nsx n1 ss -Hltn 'sport = :19081' | awk '{print $4}'), n2: $(nsx n2 ss -Hltn 'sport = :19082' | awk '{print $4}'); from gw: connection refused"
}

step_gateway_tunnel() {
  start_gateway "$TMPD/gateway-tunnel.json" || return 1
  DETAIL="$(grep -m1 '^clawgo gateway listening on' "$GW_LOG")"
  [[ $DETAIL == *'(p2p: websocket_tunnel)' ]] || fail "$DETAIL" || return 1
}

step_nodes_registered() {
  start_node n1
  start_node n2
  FAIL_LOGS+=("$LOGS/node-n1.log" "$LOGS/node-n2.log" "$GW_LOG")
  wait_until 30 0.5 both_online || fail "not both online within 30 s: $(jv "$TMPD/nodes.json" '[(n.get("id"), n.get("online")) for n in d.get("nodes", [])]')" || return 1
  local n
  for n in n1 n2; do
    grep -q "Node registered: e2e-$n -> $GW_URL" "$LOGS/node-$n.log" || fail "node $n did not print 'Node registered'" || return 1
  done
  DETAIL="$(jv "$TMPD/nodes.json" '", ".join("%s online=%s endpoint=%s" % (n["id"], n.get("online"), n.get("endpoint")) for n in d["nodes"] if n["id"] != "local")')"
}

step_registry() {
  api GET '/webui/api/subagents_runtime?action=registry' > "$TMPD/registry.json" || fail "registry call failed" || return 1
  jt "$TMPD/registry.json" '{"node.e2e-n1.main", "node.e2e-n2.main"} <= {i.get("agent_id") for i in d["result"]["items"]}' \
    || fail "registry: $(jv "$TMPD/registry.json" '[i.get("agent_id") for i in d["result"]["items"]]')" || return 1
  DETAIL="$(jv "$TMPD/registry.json" '", ".join("%s (%s, online=%s)" % (i["agent_id"], i.get("type"), i.get("online")) for i in d["result"]["items"] if i["agent_id"].startswith("node."))')"
}

step_tunnel_n1() { dispatch_check n1 websocket_tunnel; }
step_tunnel_n2() { dispatch_check n2 websocket_tunnel; }

step_cli_dispatch() {
  local out rc=0
  mkdir -p "$TMPD/jtmp/cli"
  out=$(nsx gw timeout 60 "$JAVA" "${JOPTS[@]}" -Djava.io.tmpdir="$TMPD/jtmp/cli" -jar "$JAR" dispatch \
    --gateway "$GW_URL" --token "$TOKEN" --agent node.e2e-n1.main --task "$TASK" --wait-sec 30 2>&1) || rc=$?
  printf '%s\n' "$out" > "$LOGS/cli-dispatch.log"
  FAIL_LOGS+=("$LOGS/cli-dispatch.log")
  DETAIL="exit $rc; $(printf '%s' "$out" | tr -d '\n' | tr -s ' ' | cut -c1-160)"
  [ "$rc" = 0 ] && [[ $out == *'"status": "completed"'* ]] && [[ $out == *'agent_task from e2e-n1'* ]]
}

step_webrtc_restart() {
  start_coturn || return 1
  stop_gateway
  start_gateway "$TMPD/gateway-webrtc.json" || return 1
  grep -q '^clawgo gateway listening on .*(p2p: webrtc)$' "$GW_LOG" || fail "$(grep -m1 '^clawgo gateway listening on' "$GW_LOG")" || return 1
  FAIL_LOGS+=("$LOGS/node-n1.log" "$LOGS/node-n2.log")
  wait_until 40 0.5 both_online || fail "nodes not back online within 40 s of the restart" || return 1
  DETAIL="same data dir; both nodes online again $(secs $(( $(now_ms) - GW_READY_MS ))) after it listened; stun:$GW_IP:$TURN_PORT (coturn)"
}

step_webrtc_n1() { dispatch_check n1 webrtc; }
step_webrtc_n2() { dispatch_check n2 webrtc; }

step_webrtc_sessions() {
  nodes_json || fail "GET /webui/api/nodes failed" || return 1
  cp "$TMPD/nodes.json" "$TMPD/nodes-webrtc.json"
  DETAIL="$(jv "$TMPD/nodes.json" '"transport=%s active_sessions=%s " % (d["p2p"].get("transport"), d["p2p"].get("active_sessions")) + ", ".join("%s:%s ready=%s" % (s["node"], s["status"], s.get("last_ready_at")) for s in d["p2p"]["nodes"])')"
  jt "$TMPD/nodes.json" 'd["p2p"]["transport"] == "webrtc" and d["p2p"]["active_sessions"] > 0 and all(sess(i).get("status") == "open" and sess(i).get("last_ready_at") for i in ("e2e-n1", "e2e-n2"))' \
    || return 1
  jt "$TMPD/nodes.json" 'any(x.get("used_transport") == "webrtc" for x in disp("e2e-n1")) and any(x.get("used_transport") == "webrtc" for x in disp("e2e-n2"))' \
    || fail "$DETAIL; no dispatch record with used_transport=webrtc" || return 1
}

control_peers() { nsx gw ss -Htn state established "( sport = :$PORT )" | awk '{print $4}' | sed 's/:[0-9]*$//' | sort -u | tr '\n' ' '; }

step_nat_stun() {
  # n2 moves behind a NAT router: bridge <-> nat (eth0 $NAT_IP) | nat (eth1 $PRIV.1) <-> n2 ($N2_PRIV_IP)
  stop_gateway
  mk_ns nat || fail "cannot create the nat namespace" || return 1
  to_bridge nat "$NAT_IP" || fail "cannot link nat to the bridge" || return 1
  ip -n "$RUN-n2" link del eth0 || fail "cannot unplug n2" || return 1
  ip link add name eth0 netns "$RUN-n2" type veth peer name eth1 netns "$RUN-nat" || fail "cannot link n2 to nat" || return 1
  ip -n "$RUN-nat" addr add "$PRIV.1/24" dev eth1
  ip -n "$RUN-nat" link set eth1 up
  ip -n "$RUN-n2" addr add "$N2_PRIV_IP/24" dev eth0
  ip -n "$RUN-n2" link set eth0 up
  ip -n "$RUN-n2" route add default via "$PRIV.1"
  nsx nat sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
  local err
  err=$(fw_init 2>&1) || fail "$FW: cannot install the NAT rules: $(head -n 2 <<<"$err" | tr '\n' ' ')" || return 1
  err=$(fw_phase open 2>&1) || fail "$FW: cannot install the forward rules: $(head -n 2 <<<"$err" | tr '\n' ' ')" || return 1
  NAT_READY=1
  # the gateway host has no route to the private LAN: only the NAT's address is reachable
  if nsx gw ip route get "$N2_PRIV_IP" >/dev/null 2>&1; then fail "gw has a route to $N2_PRIV_IP"; return 1; fi
  start_gateway "$TMPD/gateway-webrtc.json" || return 1
  FAIL_LOGS+=("$LOGS/node-n2.log")
  wait_until 40 0.5 both_online || fail "nodes not online within 40 s (n2 behind NAT)" || return 1
  local peers udp
  peers=$(control_peers)
  [[ " $peers " == *" $NAT_IP "* && " $peers " != *" $N2_PRIV_IP "* ]] \
    || fail "control connections from: $peers (want $NAT_IP, not $N2_PRIV_IP)" || return 1
  dispatch_check n2 webrtc || return 1
  udp=$(fw_count udp-out)
  DETAIL="$DETAIL; gateway sees control peers: $peers; UDP packets n2->gw through the NAT: $udp"
  [ "${udp:-0}" -gt 0 ] || fail "$DETAIL (no UDP went through the NAT)"
}

step_nat_turn() {
  [ -n "$NAT_READY" ] || fail "not run: needs the NAT router of step 13" || return 1
  stop_gateway
  local err
  err=$({ fw_phase turn-only && fw_phase_turn_counter; } 2>&1) || fail "$FW: cannot install the turn-only rules: $err" || return 1
  local turn_lines_before
  turn_lines_before=$(wc -l < "$LOGS/coturn.log")
  start_gateway "$TMPD/gateway-turn.json" || return 1
  FAIL_LOGS+=("$LOGS/coturn.log" "$LOGS/node-n2.log")
  wait_until 40 0.5 node_online n2 || fail "n2 not online within 40 s" || return 1
  dispatch_check n2 webrtc || return 1
  local d=$DETAIL turn blocked
  turn=$(fw_count turn-all)
  blocked=$(fw_count blocked)
  # coturn names a client's address when its allocation closes: stop the gateway (the peers release their
  # allocations) and find n2's, which came from the NAT's address, and what it relayed
  stop_gateway
  TURN_USAGE=""
  wait_until 10 0.5 turn_usage_of "$NAT_IP" "$turn_lines_before" || true
  DETAIL="$d; NAT: $turn UDP packets n2->coturn, $blocked direct packets dropped; coturn: ${TURN_USAGE:-no allocation from $NAT_IP closed}"
  [ "${turn:-0}" -gt 0 ] && [ "${blocked:-0}" -gt 0 ] || fail "$DETAIL (n2 did not use TURN, or nothing direct was tried)" || return 1
  [[ $TURN_USAGE =~ rp=([1-9][0-9]*).*sp=([1-9][0-9]*) ]] || fail "$DETAIL (no data relayed for n2)"
}

TURN_USAGE=""
turn_usage_of() { # client_ip first_line: the relayed-traffic line of that client's closed allocation
  local log sid
  log=$(tail -n +"$(($2 + 1))" "$LOGS/coturn.log")
  sid=$(grep -E "closed .*remote $1:[0-9]+" <<<"$log" | tail -n 1 | sed -E 's/.*session ([0-9]+):.*/\1/')
  [ -n "$sid" ] || return 1
  TURN_USAGE="allocation $sid from $(grep -E "session $sid: closed" <<<"$log" | tail -n 1 | sed -E 's/.*remote ([0-9.:]+).*/\1/') relayed $(grep "session $sid: peer usage:" <<<"$log" | tail -n 1 | sed -E 's/.*username=<[^>]*>, //')"
}

step_nat_fallback() {
  [ -n "$NAT_READY" ] || fail "not run: needs the NAT router of step 13" || return 1
  stop_gateway
  local err
  err=$(fw_phase tunnel-only 2>&1) || fail "$FW: cannot install the tunnel-only rules: $err" || return 1
  start_gateway "$TMPD/gateway-turn.json" || return 1
  FAIL_LOGS+=("$LOGS/node-n2.log")
  wait_until 40 0.5 node_online n2 || fail "n2 not online within 40 s" || return 1
  local out=$TMPD/dispatch-fallback.json before after t0 dt
  before=$(endpoint_hits n2)
  t0=$(now_ms)
  dispatch e2e-n2 30 45 "$out"
  dt=$(( $(now_ms) - t0 ))
  after=$(endpoint_hits n2)
  DETAIL="$(jv "$out" 'brief()'); ${dt} ms; endpoint requests +$((after - before))"
  jt "$out" "d.get('ok') is True and reply().get('status') == 'completed' and 'agent_task from e2e-n2' in str(reply().get('result')) and reply().get('used_transport') == 'websocket_tunnel' and reply().get('fallback_from') == 'webrtc'" \
    || return 1
  nodes_json || fail "$DETAIL; GET /webui/api/nodes failed" || return 1
  DETAIL="$DETAIL; dispatch record: $(jv "$TMPD/nodes.json" '(lambda r: "used_transport=%s fallback_from=%s code=%s" % (r.get("used_transport"), r.get("fallback_from"), r.get("code")))((disp("e2e-n2") or [{}])[0])'); session n2: $(jv "$TMPD/nodes.json" 'sess("e2e-n2").get("status")')"
  jt "$TMPD/nodes.json" '(disp("e2e-n2") or [{}])[0].get("fallback_from") == "webrtc" and (disp("e2e-n2") or [{}])[0].get("used_transport") == "websocket_tunnel"' \
    || fail "$DETAIL (dispatch record without fallback_from=webrtc)"
}

last_connect_ms() { # node: when its node last connected (its log), in epoch ms
  local ts
  ts=$(grep 'NodeRuntime - node .* connected to ws' "$LOGS/node-$1.log" | tail -n 1 | cut -d' ' -f1)
  [ -n "$ts" ] && date -d "$ts" +%s%3N || echo 0
}

step_gateway_sigkill() {
  if [ -n "$NAT_READY" ]; then
    local err
    err=$(fw_phase open 2>&1) || fail "$FW: cannot reopen the NAT: $err" || return 1
  fi
  if [ -z "$GW_PID" ] || ! alive "$GW_PID"; then   # a step before failed and left no gateway running
    start_gateway "$TMPD/gateway-turn.json" || return 1
  fi
  local p1=${NODE_PID[n1]} p2=${NODE_PID[n2]}
  # steady state first: a node resets its reconnect backoff once a connection has lasted 10 s; the restarts of
  # the steps before left it raised on purpose (no reconnect storms), which is not what this step measures
  local c1 c2 newest wait_ms
  FAIL_LOGS+=("$GW_LOG" "$LOGS/node-n1.log" "$LOGS/node-n2.log")
  wait_until 45 0.5 both_online || fail "nodes not online before the kill" || return 1
  c1=$(last_connect_ms n1); c2=$(last_connect_ms n2)
  newest=$(( c1 > c2 ? c1 : c2 ))
  wait_ms=$(( newest + 12000 - $(now_ms) ))
  if [ "$wait_ms" -gt 0 ]; then sleep "$(secs "$wait_ms" | cut -d' ' -f1)"; fi
  STEADY="for >= 12 s before the kill"
  kill -KILL "$GW_PID" 2>/dev/null || true
  stop_pid "$GW_PID" KILL 5
  start_gateway "$TMPD/gateway-turn.json" || return 1
  FAIL_LOGS+=("$LOGS/node-n1.log" "$LOGS/node-n2.log")
  local limit=$((3 * HEARTBEAT_SEC))
  wait_until "$limit" 0.5 both_online || fail "not both online within $limit s of the restart" || return 1
  local back=$(( $(now_ms) - GW_READY_MS ))
  alive "$p1" && alive "$p2" || fail "a node process died" || return 1
  local d1 d2
  dispatch_check n1 webrtc || fail "after restart, n1: $DETAIL" || return 1
  d1=$DETAIL
  dispatch_check n2 webrtc || fail "after restart, n2: $DETAIL" || return 1
  d2=$DETAIL
  DETAIL="both online $(secs "$back") after the new gateway listened (limit ${limit} s; connected ${STEADY}), same node processes; n1: ${d1%%;*}; n2: ${d2%%;*}"
}

step_link_cut_dispatch() {
  ip -n "$RUN-br" link set p-n1 down || fail "cannot cut n1's link" || return 1
  LINK_CUT_MS=$(now_ms)
  local out=$TMPD/dispatch-cut.json t0 dt
  t0=$(now_ms)
  dispatch e2e-n1 8 20 "$out"
  dt=$(( $(now_ms) - t0 ))
  DETAIL="$(jv "$out" 'brief()'); answered in ${dt} ms (task timeout 8 s)"
  FAIL_LOGS+=("$GW_LOG")
  jt "$out" "d.get('ok') is True and reply().get('status') in ('failed', 'timeout') and reply().get('code') in ('timeout', 'p2p_timeout', 'p2p_unavailable', 'p2p_send_failed', 'transport_error', 'node_offline')" \
    || return 1
  [ "$dt" -le 11000 ] || fail "$DETAIL (later than the timeout)"
}

n1_down_alert() {
  nodes_json && jt "$TMPD/nodes.json" 'node("e2e-n1").get("online") is False and any(a.get("kind") in ("node_offline", "p2p_session_down") for a in alerts("e2e-n1"))'
}

step_link_cut_offline() {
  local limit=$((NODE_TTL_SEC + 20))
  FAIL_LOGS+=("$GW_LOG")
  wait_until "$limit" 1 n1_down_alert \
    || fail "n1 not offline with an alert within $limit s: online=$(jv "$TMPD/nodes.json" 'node("e2e-n1").get("online")') alerts=$(jv "$TMPD/nodes.json" 'alerts("e2e-n1")')" || return 1
  local after=$(( $(now_ms) - LINK_CUT_MS ))
  local out=$TMPD/dispatch-offline.json t0 dt
  t0=$(now_ms)
  dispatch e2e-n1 8 20 "$out"
  dt=$(( $(now_ms) - t0 ))
  DETAIL="offline $(secs "$after") after the cut (ttl ${NODE_TTL_SEC} s); alerts: $(jv "$TMPD/nodes.json" '", ".join("%s/%s" % (a["severity"], a["kind"]) for a in alerts("e2e-n1"))'); n2 online: $(jv "$TMPD/nodes.json" 'node("e2e-n2").get("online")'); dispatch now: $(jv "$out" 'brief()') in ${dt} ms"
  jt "$TMPD/nodes.json" 'node("e2e-n2").get("online") is True' || fail "$DETAIL (n2 went offline too)" || return 1
  jt "$out" "reply().get('status') == 'failed' and reply().get('code') == 'node_offline'" || return 1
  [ "$dt" -le 3000 ] || fail "$DETAIL (not at once)"
}

reregistrations() { grep -c "^Node re-registered: e2e-$1\$" "$LOGS/node-$1.log" 2>/dev/null || true; }

EARLY_ONLINE_MS=""
n1_back() { # n1 reconnected (a new control connection: the node printed 'Node re-registered') and online
  if [ "$(reregistrations n1)" -gt "$REREG_BEFORE" ]; then
    node_online n1
  else
    if [ -z "$EARLY_ONLINE_MS" ] && node_online n1; then EARLY_ONLINE_MS=$(now_ms); fi
    return 1
  fi
}

step_link_restore() {
  local p1=${NODE_PID[n1]} t0 back d
  REREG_BEFORE=$(reregistrations n1)
  ip -n "$RUN-br" link set p-n1 up || fail "cannot restore n1's link" || return 1
  t0=$(now_ms)
  FAIL_LOGS+=("$LOGS/node-n1.log" "$GW_LOG")
  wait_until 60 0.5 n1_back || fail "n1 not reconnected and online within 60 s of the link coming back" || return 1
  back=$(( $(now_ms) - t0 ))
  alive "$p1" || fail "the node process of n1 died" || return 1
  dispatch_check n1 webrtc || return 1
  d=$DETAIL
  DETAIL="reconnected and online $(secs "$back") after link up, same process (pid $p1, 'Node re-registered: e2e-n1'); $d"
  if [ -n "$EARLY_ONLINE_MS" ]; then
    # seen: a heartbeat the node had queued on its dead connection arrives when the link returns, on the control
    # socket the gateway already retired at the TTL, and marks the node online with no control connection
    DETAIL="$DETAIL; note: the gateway already showed n1 online $(secs $(( EARLY_ONLINE_MS - t0 ))) after link up, before its new connection (a late heartbeat on the retired socket)"
  fi
}

# ----------------------------------------------------------------------------------------------------------- main
main() {
  case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;; esac
  prereqs
  START_MS=$(now_ms)
  TMPD=$(mktemp -d "${TMPDIR:-/tmp}/clawgo-e2e.XXXXXX")
  chmod 700 "$TMPD"
  LOGS=$TMPD/logs
  mkdir -p "$LOGS" "$TMPD/jtmp"
  TOKEN=e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  write_helpers
  # the seed's two configs (websocket_tunnel; webrtc with a STUN server: coturn on the gateway host), and webrtc with
  # TURN as well; node_ttl_sec 25 (default 60) makes the link-cut step quicker
  write_config "$TMPD/gateway-tunnel.json" websocket_tunnel '[]' '[]'
  write_config "$TMPD/gateway-webrtc.json" webrtc "[\"stun:$GW_IP:$TURN_PORT\"]" '[]'
  write_config "$TMPD/gateway-turn.json" webrtc "[\"stun:$GW_IP:$TURN_PORT\"]" \
    "[{\"urls\":[\"turn:$GW_IP:$TURN_PORT?transport=udp\"],\"username\":\"u\",\"credential\":\"p\"}]"
  log "run $RUN, temp dir $TMPD, jar $JAR, firewall $FW"

  run_step 01 topology "gw, n1, n2 hosts on a bridge; nodes reach gw" step_topology critical
  run_step 02 endpoints-loopback-only "endpoints on 127.0.0.1 only; gw cannot reach them" step_endpoints critical
  run_step 03 gateway-tunnel-start "gateway (seed config, websocket_tunnel) listens" step_gateway_tunnel critical
  run_step 04 nodes-registered "node register --watch: both online" step_nodes_registered critical
  run_step 05 registry-branches "node.<id>.main in the registry" step_registry
  run_step 06 tunnel-dispatch-n1 "dispatch_and_wait completes via websocket_tunnel" step_tunnel_n1
  run_step 07 tunnel-dispatch-n2 "dispatch_and_wait completes via websocket_tunnel" step_tunnel_n2
  run_step 08 cli-dispatch "clawgo dispatch exits 0, completed" step_cli_dispatch
  run_step 09 webrtc-restart "restart with webrtc + STUN: nodes back" step_webrtc_restart critical
  run_step 10 webrtc-dispatch-n1 "dispatch completes via webrtc" step_webrtc_n1
  run_step 11 webrtc-dispatch-n2 "dispatch completes via webrtc" step_webrtc_n2
  run_step 12 webrtc-sessions "p2p: webrtc, active>0, open, last_ready_at" step_webrtc_sessions
  run_step 13 nat-stun "n2 behind NAT: webrtc still works" step_nat_stun
  run_step 14 nat-turn "direct UDP blocked: webrtc via TURN" step_nat_turn
  run_step 15 nat-fallback "TURN blocked too: tunnel, fallback_from" step_nat_fallback
  run_step 16 gateway-sigkill "SIGKILL + restart: online within 3 hb" step_gateway_sigkill
  run_step 17 link-cut-dispatch "n1 link down: dispatch fails in time" step_link_cut_dispatch
  run_step 18 link-cut-offline "n1 offline, alert, node_offline code" step_link_cut_offline
  run_step 19 link-restore "link up: n1 back, same process, dispatch" step_link_restore
  ABORT=""
  run_step 20 cleanup "namespaces, processes, temp dir removed" step_cleanup

  print_table "clawgo seed end-to-end ($RUN, firewall: ${FW:-?})"
}

main "$@"
