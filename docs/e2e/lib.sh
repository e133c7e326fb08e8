# Shared by the end-to-end scripts of docs/e2e (seed-e2e.sh, cluster-e2e.sh): settings from the environment,
# processes, cleanup, the PASS/FAIL table, JSON look-ups, the node endpoint and network hosts made with namespaces.
# Sourced, not run. The sourcing script sets RUN (a unique prefix of its namespaces) before it makes any; it may
# call prereqs_base with the commands it needs beyond the common ones.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
JAR=${CLAWGO_JAR:-$REPO/clawgo-examples/target/clawgo.jar}
if [ -n "${CLAWGO_E2E_JAVA:-}" ]; then JAVA=$CLAWGO_E2E_JAVA
elif [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA=$JAVA_HOME/bin/java
else JAVA=java; fi
KEEP=${CLAWGO_E2E_KEEP:-0}
ARTIFACTS=${CLAWGO_E2E_ARTIFACTS:-}

NAMESPACES=()
PIDS=()
CLEANED=0
ABORT=""
TMPD=""

# results
R_ID=(); R_STEP=(); R_EXPECT=(); R_RES=(); R_TIME=(); R_DETAIL=()
DETAIL=""
FAIL_LOGS=()

secs() { printf '%d.%d s' $(($1 / 1000)) $(( ($1 % 1000) / 100 )); }   # ms -> "12.3 s"
log() { printf '[e2e %s] %s\n' "$(date +%T)" "$*" >&2; }
now_ms() { date +%s%3N; }
ns() { printf '%s-%s' "$RUN" "$1"; }
nsx() { local n=$1; shift; ip netns exec "$RUN-$n" "$@"; }   # foreground only: `ip netns exec` directly for &

# ---------------------------------------------------------------------------------------------------- prerequisites
skip() { echo "SKIP: $*"; exit 77; }

prereqs_base() { # extra commands...: Linux, root, ip/curl/python3/ss and the given ones, java, the jar, netns
  [ "$(uname -s)" = Linux ] || skip "needs Linux network namespaces"
  [ "$(id -u)" = 0 ] || skip "needs root (ip netns, veth, firewall rules): run it with sudo"
  local t
  for t in ip curl python3 ss "$@"; do
    command -v "$t" >/dev/null 2>&1 || skip "the $t command is missing (Debian: $(pkg_of "$t"))"
  done
  "$JAVA" -version >/dev/null 2>&1 || skip "no java at '$JAVA' (Java 17+; set CLAWGO_E2E_JAVA or JAVA_HOME)"
  [ -f "$JAR" ] || skip "the CLI jar $JAR is missing: mvn -B install -DskipTests -pl clawgo-examples -am"
  local probe=$RUN-probe
  if ! ip netns add "$probe" 2>/dev/null; then skip "cannot create a network namespace (ip netns add failed)"; fi
  ip netns del "$probe" 2>/dev/null || true
}

pkg_of() {
  case $1 in
    ip|ss) echo iproute2 ;; turnserver) echo coturn ;; nats-server) echo nats-server ;; python3) echo python3 ;; curl) echo curl ;; *) echo "$1" ;;
  esac
}

# ---------------------------------------------------------------------------------------------------- processes
alive() { # pid: running and not a zombie
  local st
  st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ]
}

stop_pid() { # pid signal timeout_sec: signal, wait, then SIGKILL; reaps
  local pid=$1 sig=$2 t=$3 end
  [ -n "$pid" ] || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  end=$(( $(now_ms) + t * 1000 ))
  while alive "$pid" && [ "$(now_ms)" -lt "$end" ]; do sleep 0.1; done
  if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
  wait "$pid" 2>/dev/null || true
}

wait_until() { # timeout_sec interval_sec command...: polls until the command succeeds
  local t=$1 iv=$2 end; shift 2
  end=$(( $(now_ms) + t * 1000 ))
  while true; do
    if "$@"; then return 0; fi
    [ "$(now_ms)" -lt "$end" ] || return 1
    sleep "$iv"
  done
}

# ------------------------------------------------------------------------------------------------------- cleanup
cleanup() {
  [ "$CLEANED" = 1 ] && return 0
  CLEANED=1
  set +e
  local pid ns p i
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do stop_pid "$pid" TERM 8; done
  # anything left inside our namespaces was started by this run (a child of one of ours)
  for ns in "${NAMESPACES[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  done
  for (( i=${#NAMESPACES[@]}-1; i>=0; i-- )); do
    ip netns del "${NAMESPACES[$i]}" 2>/dev/null
  done
  if [ -n "$TMPD" ] && [ -d "$TMPD" ]; then
    if [ -n "$ARTIFACTS" ]; then mkdir -p "$ARTIFACTS" && cp -r "$TMPD/logs/." "$ARTIFACTS/" 2>/dev/null; fi
    if [ "$KEEP" = 1 ]; then log "kept $TMPD"; else rm -rf "$TMPD"; fi
  fi
  set -e
}
on_exit() { local rc=$?; cleanup; exit "$rc"; }
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM
trap 'exit 129' HUP

# the last step of every script: cleanup ran, and nothing it made is left
step_cleanup() {
  local keep_ns=("${NAMESPACES[@]}") keep_pids=("${PIDS[@]}") left="" p n
  cleanup
  for n in "${keep_ns[@]}"; do
    [ -e "/var/run/netns/$n" ] && left="$left ns:$n"
  done
  for p in "${keep_pids[@]}"; do alive "$p" && left="$left pid:$p"; done
  if [ "$KEEP" != 1 ] && [ -d "$TMPD" ]; then left="$left dir:$TMPD"; fi
  DETAIL="${#keep_ns[@]} namespaces, ${#keep_pids[@]} processes$([ "$KEEP" = 1 ] && echo ", temp dir kept: $TMPD" || echo " and the temp dir removed")"
  [ -z "$left" ] || fail "left behind:$left"
}

# ------------------------------------------------------------------------------------------------------- results
run_step() { # id title expectation function [critical]
  local id=$1 title=$2 expect=$3 fn=$4 crit=${5:-} t0 res dt f
  DETAIL=""
  FAIL_LOGS=()
  t0=$(now_ms)
  if [ -n "$ABORT" ]; then
    res=FAIL
    DETAIL="not run: $ABORT"
  else
    log "step $id $title"
    if "$fn"; then res=PASS; else res=FAIL; fi
  fi
  dt=$(( $(now_ms) - t0 ))
  R_ID+=("$id"); R_STEP+=("$title"); R_EXPECT+=("$expect"); R_RES+=("$res")
  R_TIME+=("$(printf '%d.%ds' $((dt / 1000)) $(( (dt % 1000) / 100 )))"); R_DETAIL+=("$DETAIL")
  log "step $id $title: $res ($DETAIL)"
  if [ "$res" = FAIL ] && [ "${DETAIL#not run:}" = "$DETAIL" ]; then
    local -A shown=()
    for f in "${FAIL_LOGS[@]}"; do
      [ -f "$f" ] && [ -z "${shown[$f]:-}" ] || continue
      shown[$f]=1
      printf -- '----- last 30 lines of %s -----\n' "$(basename "$f")" >&2
      tail -n 30 "$f" | sed 's/^/    /' >&2
    done
    if [ -n "$crit" ] && [ -z "$ABORT" ]; then ABORT="step $id ($title) failed"; fi
  fi
}

fail() { DETAIL=$1; return 1; }

print_table() { # title
  local i pass=0 failn=0 w_id=2 w_step=4 w_exp=11 line
  for i in "${!R_ID[@]}"; do
    [ ${#R_STEP[$i]} -gt $w_step ] && w_step=${#R_STEP[$i]}
    [ ${#R_EXPECT[$i]} -gt $w_exp ] && w_exp=${#R_EXPECT[$i]}
    if [ "${R_RES[$i]}" = PASS ]; then pass=$((pass + 1)); else failn=$((failn + 1)); fi
  done
  echo
  echo "$1"
  line=$(printf "| %-${w_id}s | %-${w_step}s | %-${w_exp}s | %-6s | %-6s | %s" "#" "step" "expectation" "result" "time" "detail")
  echo "$line"
  printf "|%s|%s|%s|%s|%s|%s\n" "$(printf -- '-%.0s' $(seq 1 $((w_id + 2))))" \
    "$(printf -- '-%.0s' $(seq 1 $((w_step + 2))))" "$(printf -- '-%.0s' $(seq 1 $((w_exp + 2))))" \
    "--------" "--------" "--------"
  for i in "${!R_ID[@]}"; do
    printf "| %-${w_id}s | %-${w_step}s | %-${w_exp}s | %-6s | %6s | %s\n" "${R_ID[$i]}" "${R_STEP[$i]}" \
      "${R_EXPECT[$i]}" "${R_RES[$i]}" "${R_TIME[$i]}" "${R_DETAIL[$i]}"
  done
  echo "e2e result: $pass PASS, $failn FAIL, total $(( ($(now_ms) - START_MS) / 1000 ))s"
  [ "$failn" = 0 ]
}

# ------------------------------------------------------------------------------------------------------- helpers
write_helpers() {
  # JSON look-ups: jv FILE EXPR prints the value, jt FILE EXPR tests it (d = the document)
  cat > "$TMPD/jv.py" <<'PY'
import json, sys
args = sys.argv[1:]
test = bool(args) and args[0] == "--test"
if test:
    args = args[1:]
path, expr = args[0], args[1]
try:
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
except Exception as e:  # an empty or broken answer
    if test:
        sys.exit(1)
    print("<no JSON: %s>" % e)
    sys.exit(0)
def node(i):
    return next((n for n in d.get("nodes") or [] if n.get("id") == i), {})
def sess(i):
    return next((s for s in (d.get("p2p") or {}).get("nodes") or [] if s.get("node") == i), {})
def alerts(i):
    return [a for a in d.get("alerts") or [] if a.get("node") == i]
def disp(i):
    return [x for x in d.get("dispatches") or [] if x.get("node") == i]
def reply():
    return (d.get("result") or {}).get("reply") or {} if isinstance(d, dict) else {}
def brief():
    r = reply()
    if not r:
        return "no reply: " + json.dumps(d)[:300]
    keys = ["status", "used_transport", "fallback_from", "code", "error", "result"]
    return " ".join("%s=%s" % (k, json.dumps(r.get(k))) for k in keys if r.get(k) not in (None, ""))
env = dict(d=d, node=node, sess=sess, alerts=alerts, disp=disp, reply=reply, brief=brief, json=json)
try:
    v = eval(expr, env)
except Exception as e:
    if test:
        sys.exit(1)
    v = "<%s: %s>" % (type(e).__name__, e)
if test:
    sys.exit(0 if v else 1)
print(v if isinstance(v, str) else json.dumps(v))
PY
  # the node endpoint: answers like the seed's, on 127.0.0.1 only, and logs one line per request
  cat > "$TMPD/endpoint.py" <<'PY'
import json, socket, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, label = int(sys.argv[1]), sys.argv[2]

class Endpoint(BaseHTTPRequestHandler):
    def do_POST(self):
        size = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(size) if size else b""
        try:
            req = json.loads(raw or b"{}")
        except ValueError:
            req = {}
        if not isinstance(req, dict):
            req = {}
        action = req.get("action") or self.path.strip("/")
        answer = {"ok": True, "code": "ok", "node": label, "action": action,
                  "payload": {"handler": label, "hostname": socket.gethostname(), "path": self.path,
                              "echo": req, "result": "%s from %s" % (action, label)}}
        body = json.dumps(answer).encode("utf-8")
        print("request %s %s action=%s task=%r" % (self.command, self.path, action, req.get("task")), flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass

ThreadingHTTPServer(("127.0.0.1", port), Endpoint).serve_forever()
PY
  printf 'Authorization: Bearer %s\n' "$TOKEN" > "$TMPD/auth.hdr"
  chmod 600 "$TMPD/auth.hdr"
}

jv() { python3 "$TMPD/jv.py" "$@"; }
jt() { python3 "$TMPD/jv.py" --test "$@"; }

api_at() { # host url METHOD PATH [BODY] > answer: curl with the token, inside the namespace of host
  local h=$1 u=$2 m=$3 p=$4
  if [ $# -ge 5 ]; then
    nsx "$h" curl -sS -m "${CURL_MAX:-90}" -X "$m" -H @"$TMPD/auth.hdr" -H 'Content-Type: application/json' \
      --data-binary "$5" "$u$p"
  else
    nsx "$h" curl -sS -m 15 -X "$m" -H @"$TMPD/auth.hdr" "$u$p"
  fi
}

# -------------------------------------------------------------------------------------------------------- network
mk_ns() {
  local n=$RUN-$1
  ip netns add "$n"
  NAMESPACES+=("$n")
  # IPv4 only: no IPv6 link-local candidates that would bypass the IPv4 topology (and the NAT)
  ip netns exec "$n" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6' 2>/dev/null || true
  ip -n "$n" link set lo up
}

to_bridge() { # host addr: a veth from host's eth0 to a port of the bridge
  ip link add name eth0 netns "$RUN-$1" type veth peer name "p-$1" netns "$RUN-br"
  ip -n "$RUN-br" link set "p-$1" master br0
  ip -n "$RUN-br" link set "p-$1" up
  ip -n "$RUN-$1" addr add "$2/24" dev eth0
  ip -n "$RUN-$1" link set eth0 up
}

tcp_connect() { # ns host port: prints 'connected' or the error (bash's /dev/tcp, 3 s at most)
  nsx "$1" timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1" && echo connected' "$2" "$3" 2>&1 || true
}


endpoint_listening() { [ "$(nsx "$1" ss -Hltn "sport = :$2" | awk '{print $4}')" = "127.0.0.1:$2" ]; }
