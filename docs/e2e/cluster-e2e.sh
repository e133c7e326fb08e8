#!/usr/bin/env bash
# The cluster end-to-end check (docs/e2e/README.md): two gateway hosts in one NATS cluster, nats-server on a third
# host, two node hosts whose endpoints listen on their own loopback, all network namespaces on one Linux machine. A
# dispatch made at one gateway reaches the node the other gateway holds, over webrtc; then one gateway host's link is
# cut, its node moves to the other gateway by itself, and the seed's dispatch completes there.
#
#   sudo docs/e2e/cluster-e2e.sh         # prints a PASS/FAIL table; exit 0 only when every step passed
#
# Exit codes: 0 all passed, 1 a step failed, 77 cannot run here (not root, a tool or the jar missing; says which),
# 130/143 interrupted. Environment:
#   CLAWGO_JAR            the CLI jar (default: clawgo-examples/target/clawgo.jar of this repository)
#   CLAWGO_E2E_JAVA       the java command (default: $JAVA_HOME/bin/java, else java)
#   CLAWGO_E2E_KEEP=1     keep the temporary directory (logs, configs, data) instead of deleting it
#   CLAWGO_E2E_ARTIFACTS  a directory to copy the logs into before the temporary directory is deleted
#
# Everything it makes (namespaces named ccl<random>-*, processes, the temporary directory) is removed by an EXIT
# trap, also after a failure or Ctrl-C. Test traffic stays inside those namespaces.
set -euo pipefail

. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

# ------------------------------------------------------------------------------------------------ plan, constants
SUBNET=10.78.0
GW1_IP=$SUBNET.1
GW2_IP=$SUBNET.2
NATS_IP=$SUBNET.3
N1_IP=$SUBNET.11
N2_IP=$SUBNET.12
PORT=18790
NATS_PORT=4222
GW1_URL=http://$GW1_IP:$PORT
GW2_URL=http://$GW2_IP:$PORT
TASK="Return exactly the string NODE_P2P_OK"
HEARTBEAT_SEC=10
NODE_TTL_SEC=25
MOVE_LIMIT_SEC=90       # link cut -> the node dispatchable on the other gateway: its deadlines (ack 20 s) + backoff
JOPTS=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx256m -Xshare:auto)

RUN=ccl$(printf '%04x%04x' $((RANDOM)) $(( $$ & 0xffff )))
declare -A GW_PID=() GW_LOG=() GW_ID=() NODE_PID=()
CUT_MS=0

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# ------------------------------------------------------------------------------------------------------- helpers
url_of() { case $1 in gw1) echo "$GW1_URL" ;; gw2) echo "$GW2_URL" ;; esac; }

nodes_at() { # gw: /webui/api/nodes of that gateway into $TMPD/nodes-<gw>.json
  api_at "$1" "$(url_of "$1")" GET /webui/api/nodes > "$TMPD/nodes-$1.json" 2>/dev/null
}

write_config() { # gw ip
  cat > "$TMPD/$1.json" <<EOF
{
  "gateway": {
    "host": "0.0.0.0",
    "port": $PORT,
    "token": "$TOKEN",
    "data_dir": "$TMPD/$1-data",
    "node_ttl_sec": $NODE_TTL_SEC,
    "nodes": {
      "p2p": {"enabled": true, "transport": "webrtc", "ready_timeout_sec": 8},
      "dispatch": {"prefer_p2p": true, "allow_relay_fallback": true}
    },
    "cluster": {
      "provider": "nats",
      "servers": ["nats://$NATS_IP:$NATS_PORT"],
      "name": "e2e",
      "advertise_url": "http://$2:$PORT"
    }
  }
}
EOF
  chmod 600 "$TMPD/$1.json"
}

start_gateway() { # gw
  local g=$1 log=$LOGS/gateway-$1.log end
  mkdir -p "$TMPD/jtmp/$g"
  ip netns exec "$RUN-$g" "$JAVA" "${JOPTS[@]}" -Djava.io.tmpdir="$TMPD/jtmp/$g" \
    -jar "$JAR" gateway --config "$TMPD/$g.json" > "$log" 2>&1 &
  GW_PID[$g]=$!
  GW_LOG[$g]=$log
  PIDS+=("$!")
  FAIL_LOGS+=("$log")
  end=$(( $(now_ms) + 45000 ))
  while ! grep -q '^clawgo gateway listening on' "$log" 2>/dev/null; do
    alive "${GW_PID[$g]}" || fail "$g exited: $(grep -m1 -i 'error' "$log" || tail -n1 "$log")" || return 1
    [ "$(now_ms)" -lt "$end" ] || fail "$g not listening within 45 s" || return 1
    sleep 0.2
  done
}

start_node() { # n1|n2 first-gateway-url second-gateway-url
  local n=$1 i=${1#n}
  mkdir -p "$TMPD/jtmp/$n"
  ip netns exec "$RUN-$n" "$JAVA" "${JOPTS[@]}" -Djava.io.tmpdir="$TMPD/jtmp/$n" -jar "$JAR" node register \
    --gateway "$2,$3" --token "$TOKEN" --id "e2e-$n" --name "$n" --endpoint "http://127.0.0.1:$((19080 + i))" \
    --actions run,agent_task --models gpt-4o-mini --capabilities run,invoke,model \
    --watch --heartbeat-sec "$HEARTBEAT_SEC" > "$LOGS/node-$n.log" 2>&1 &
  NODE_PID[$n]=$!
  PIDS+=("$!")
}

# held_by gw node holder: at gw's view, node is online and held by gateway holder (gw1|gw2)
held_by() {
  nodes_at "$1" && jt "$TMPD/nodes-$1.json" \
    "node('e2e-$2').get('online') is True and (d.get('cluster') or {}).get('owners', {}).get('e2e-$2') == '${GW_ID[$3]}'"
}

endpoint_hits() { grep -c '^request POST /agent/task' "$LOGS/endpoint-$1.log" 2>/dev/null || true; }

# cross_dispatch at node holder transport: dispatch_and_wait made at gateway `at` for node `n` completes over
# `transport`, answered by n's endpoint, and at's dispatch record says gateway `holder` carried it
cross_dispatch() {
  local at=$1 n=$2 holder=$3 want=$4 before after out=$TMPD/dispatch-$1-$2-$(now_ms).json body
  before=$(endpoint_hits "$n")
  body=$(printf '{"action":"dispatch_and_wait","agent_id":"node.e2e-%s.main","task":"%s","timeout_sec":30,"wait_timeout_sec":45}' \
    "$n" "$TASK")
  local t0 t1
  t0=$(now_ms)
  CURL_MAX=60 api_at "$at" "$(url_of "$at")" POST /webui/api/subagents_runtime "$body" > "$out" 2>>"$LOGS/curl.log" || true
  t1=$(now_ms)
  after=$(endpoint_hits "$n")
  FAIL_LOGS+=("${GW_LOG[gw1]}" "${GW_LOG[gw2]}" "$LOGS/node-$n.log")
  DETAIL="at $at, answered in $(secs $((t1 - t0))): $(jv "$out" 'brief()'); endpoint requests +$((after - before))"
  jt "$out" "d.get('ok') is True and reply().get('status') == 'completed' and 'agent_task from e2e-$n' in str(reply().get('result')) and reply().get('used_transport') == '$want'" \
    || return 1
  [ $((after - before)) -ge 1 ] || fail "$DETAIL (the endpoint did not see the request)" || return 1
  t0=$(now_ms)
  nodes_at "$at" || fail "$DETAIL; GET /webui/api/nodes at $at failed" || return 1
  DETAIL="$DETAIL; nodes view in $(secs $(( $(now_ms) - t0 )))"
  local via
  via=$(jv "$TMPD/nodes-$at.json" "(disp('e2e-$n') or [{}])[0].get('via_gateway')")
  DETAIL="$DETAIL; via_gateway $via ($holder)"
  [ "$via" = "${GW_ID[$holder]}" ] || fail "$DETAIL: want ${GW_ID[$holder]}"
}

# ----------------------------------------------------------------------------------------------------------- steps
step_topology() {
  local h
  for h in br gw1 gw2 nats n1 n2; do mk_ns "$h" || fail "ip netns add $(ns "$h") failed" || return 1; done
  ip -n "$RUN-br" link add br0 type bridge || fail "cannot create a bridge" || return 1
  ip -n "$RUN-br" link set br0 up
  to_bridge gw1 "$GW1_IP" && to_bridge gw2 "$GW2_IP" && to_bridge nats "$NATS_IP" && to_bridge n1 "$N1_IP" \
    && to_bridge n2 "$N2_IP" || fail "cannot create the veths" || return 1
  # a TCP connect to a closed port answers 'refused': the host is reachable
  local pair out
  for pair in "n1 $GW1_IP" "n1 $GW2_IP" "n2 $GW1_IP" "n2 $GW2_IP" "gw1 $NATS_IP" "gw2 $NATS_IP"; do
    set -- $pair
    wait_until 10 0.2 refused "$1" "$2" || fail "$1 cannot reach $2: $(tcp_connect "$1" "$2" "$PORT")" || return 1
  done
  DETAIL="namespaces $RUN-{br,gw1,gw2,nats,n1,n2}; gw1 $GW1_IP, gw2 $GW2_IP, nats $NATS_IP, n1 $N1_IP, n2 $N2_IP"
}
refused() { [[ $(tcp_connect "$1" "$2" "$PORT") == *refused* ]]; }

step_endpoints() {
  local n i
  for n in n1 n2; do
    i=${n#n}
    ip netns exec "$RUN-$n" python3 -u "$TMPD/endpoint.py" "$((19080 + i))" "e2e-$n" > "$LOGS/endpoint-$n.log" 2>&1 &
    PIDS+=("$!")
    FAIL_LOGS+=("$LOGS/endpoint-$n.log")
  done
  for n in n1 n2; do
    i=${n#n}
    wait_until 10 0.2 endpoint_listening "$n" "$((19080 + i))" || fail "endpoint of $n not listening" || return 1
  done
  local remote
  remote=$(tcp_connect gw1 "$N1_IP" 19081)
  [[ $remote == *refused* ]] || fail "gw1 connecting to $N1_IP:19081: $remote" || return 1
  DETAIL="n1 127.0.0.1:19081, n2 127.0.0.1:19082; from gw1: connection refused"
}

step_nats() {
  mkdir -p "$TMPD/nats"
  # max_payload: the cluster carries messages up to the gateways' max_message_bytes (8 MiB) as they are
  cat > "$TMPD/nats.conf" <<EOF
listen: $NATS_IP:$NATS_PORT
max_payload: 8MB
jetstream { store_dir: "$TMPD/nats" }
EOF
  ip netns exec "$RUN-nats" nats-server -c "$TMPD/nats.conf" > "$LOGS/nats.log" 2>&1 &
  PIDS+=("$!")
  FAIL_LOGS+=("$LOGS/nats.log")
  wait_until 15 0.2 grep -q 'Server is ready' "$LOGS/nats.log" || fail "nats-server not ready within 15 s" || return 1
  DETAIL="$(grep -m1 -o 'Version:.*' "$LOGS/nats.log" || true); listening on $NATS_IP:$NATS_PORT, JetStream on"
}

step_gateways() {
  start_gateway gw1 || return 1
  start_gateway gw2 || return 1
  local g
  for g in gw1 gw2; do
    wait_until 30 0.5 ready "$g" || fail "$g: /ready did not answer 200 within 30 s: $(cat "$TMPD/ready-$g.json" 2>/dev/null)" \
      || return 1
    GW_ID[$g]=$(jv "$TMPD/nodes-$g.json" "(d.get('cluster') or {}).get('gateway_id')")
  done
  [ -n "${GW_ID[gw1]}" ] && [ "${GW_ID[gw1]}" != "${GW_ID[gw2]}" ] \
    || fail "gateway ids: gw1 '${GW_ID[gw1]}', gw2 '${GW_ID[gw2]}'" || return 1
  grep -q '^clawgo gateway listening on .*(p2p: webrtc)$' "${GW_LOG[gw1]}" \
    || fail "$(grep -m1 '^clawgo gateway listening on' "${GW_LOG[gw1]}")" || return 1
  DETAIL="gw1 member ${GW_ID[gw1]}, gw2 member ${GW_ID[gw2]}; both /ready 200 with the cluster ready"
}
ready() { # gw: /ready answers 200 and its nodes view names the cluster ready
  nsx "$1" curl -sS -m 5 -o "$TMPD/ready-$1.json" -w '%{http_code}' "$(url_of "$1")/ready" 2>/dev/null | grep -q '^200$' \
    && nodes_at "$1" && jt "$TMPD/nodes-$1.json" "(d.get('cluster') or {}).get('ready') is True"
}

step_nodes() {
  start_node n1 "$GW1_URL" "$GW2_URL"
  start_node n2 "$GW2_URL" "$GW1_URL"
  FAIL_LOGS+=("$LOGS/node-n1.log" "$LOGS/node-n2.log")
  wait_until 40 0.5 held_by gw1 n1 gw1 && wait_until 40 0.5 held_by gw1 n2 gw2 \
    || fail "at gw1 within 40 s: $(jv "$TMPD/nodes-gw1.json" '[(n.get("id"), n.get("online")) for n in d.get("nodes", [])]'), owners $(jv "$TMPD/nodes-gw1.json" '(d.get("cluster") or {}).get("owners")')" \
    || return 1
  DETAIL="n1 held by gw1, n2 held by gw2"
}

step_fleet_view() {
  local g
  for g in gw1 gw2; do
    held_by "$g" n1 gw1 && held_by "$g" n2 gw2 || fail "$g: $(jv "$TMPD/nodes-$g.json" '(d.get("cluster") or {}).get("owners")')" \
      || return 1
    jt "$TMPD/nodes-$g.json" "len([x for x in d['cluster']['gateways'] if x.get('alive')]) == 2" \
      || fail "$g gateways: $(jv "$TMPD/nodes-$g.json" 'd["cluster"]["gateways"]')" || return 1
  done
  DETAIL="at either gateway: both nodes online with their holder; gateways $(jv "$TMPD/nodes-gw2.json" '", ".join("%s %s nodes=%s alive=%s" % (x["id"], x.get("url"), x.get("nodes"), x.get("alive")) for x in d["cluster"]["gateways"])')"
}

step_cross_n1() { cross_dispatch gw2 n1 gw1 webrtc; }
step_cross_n2() { cross_dispatch gw1 n2 gw2 webrtc; }

step_link_cut() {
  local p1=${NODE_PID[n1]}
  ip -n "$RUN-br" link set p-gw1 down || fail "cannot cut gw1's link" || return 1
  CUT_MS=$(now_ms)
  FAIL_LOGS+=("$LOGS/node-n1.log" "${GW_LOG[gw2]}")
  wait_until "$MOVE_LIMIT_SEC" 0.5 held_by gw2 n1 gw2 \
    || fail "n1 not held by gw2 within $MOVE_LIMIT_SEC s of the cut: owners $(jv "$TMPD/nodes-gw2.json" '(d.get("cluster") or {}).get("owners")')" \
    || return 1
  alive "$p1" || fail "the node process of n1 died" || return 1
  DETAIL="gw1's link down; n1 (same process, pid $p1) held by gw2 $(secs $(( $(now_ms) - CUT_MS ))) after the cut"
}

step_dispatch_after_cut() {
  cross_dispatch gw2 n1 gw2 webrtc || return 1
  DETAIL="$DETAIL; $(secs $(( $(now_ms) - CUT_MS ))) after the cut"
}

# ----------------------------------------------------------------------------------------------------------- main
main() {
  case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;; esac
  prereqs_base nats-server
  START_MS=$(now_ms)
  TMPD=$(mktemp -d "${TMPDIR:-/tmp}/clawgo-cluster-e2e.XXXXXX")
  chmod 700 "$TMPD"
  LOGS=$TMPD/logs
  mkdir -p "$LOGS" "$TMPD/jtmp"
  TOKEN=e2e-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  write_helpers
  write_config gw1 "$GW1_IP"
  write_config gw2 "$GW2_IP"
  log "run $RUN, temp dir $TMPD, jar $JAR"

  run_step 01 topology "gw1, gw2, nats, n1, n2 on a bridge" step_topology critical
  run_step 02 endpoints-loopback-only "endpoints on 127.0.0.1 only" step_endpoints critical
  run_step 03 nats-start "nats-server with JetStream listens" step_nats critical
  run_step 04 gateways-start "two gateways, one cluster: both ready" step_gateways critical
  run_step 05 nodes-registered "n1 held by gw1, n2 held by gw2" step_nodes critical
  run_step 06 fleet-view "either gateway shows the whole fleet" step_fleet_view
  run_step 07 cross-dispatch-n1 "at gw2 for n1: webrtc on gw1, via_gateway" step_cross_n1
  run_step 08 cross-dispatch-n2 "at gw1 for n2: webrtc on gw2, via_gateway" step_cross_n2
  run_step 09 link-cut-move "gw1's link cut: n1 moves to gw2" step_link_cut critical
  run_step 10 dispatch-after-cut "the seed's dispatch completes via gw2" step_dispatch_after_cut
  ABORT=""
  run_step 11 cleanup "namespaces, processes, temp dir removed" step_cleanup

  print_table "clawgo cluster end-to-end ($RUN)"
}

main "$@"
