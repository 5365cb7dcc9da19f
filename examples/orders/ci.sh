#!/usr/bin/env bash
# What a team does with Reprise, end to end, from the repository's root (CI runs it: .ci/run):
#  1. installs Reprise's parent, API, product and test kit into the local Maven repository;
#  2. builds and tests this example on its own (its tests use the test kit: in memory and on a real broker);
#  3. puts its jar in a plugin directory, starts a broker with './reprise broker', writes the example's history to it;
#  4. changes schemas/ and the plugin directory (runtime data), and replays the history with './reprise replay
#     --plugin-path': the verdict must be trusted, and the launcher must not build;
#  5. rehearses on a sample of 200 of its orders: 'reprise drill crash' and 'reprise drill evidence' must hold.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=$(mktemp -d -t reprise-orders-XXXXXX)
BROKER_PID=
cleanup() {
  if [ -n "$BROKER_PID" ]; then kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

mvn -B install -DskipTests -pl api,app,testkit -am
mvn -B -f examples/orders/pom.xml verify

# The launcher builds on first use only; from here on nothing may build.
./reprise --version >/dev/null

mkdir -p "$WORK/plugins"
cp examples/orders/target/orders-projection.jar "$WORK/plugins/"
./reprise broker --bootstrap-file "$WORK/bootstrap" >"$WORK/broker.out" 2>"$WORK/broker.err" &
BROKER_PID=$!
for _ in $(seq 1 120); do [ -s "$WORK/bootstrap" ] && break; sleep 1; done
[ -s "$WORK/bootstrap" ] || { echo "the broker did not start; its log: $WORK/broker.err" >&2; cat "$WORK/broker.err" >&2; exit 1; }
BOOTSTRAP=$(cat "$WORK/bootstrap")
mvn -B -q -f examples/orders/pom.xml exec:java -Dexec.args="$BOOTSTRAP 1000"

# Runtime data changes: a schema file rewritten and a plugin jar replaced. Neither may start a build.
touch examples/orders/schemas/*.avsc "$ROOT/schemas/registry-ids.yaml"
cp examples/orders/target/orders-projection.jar "$WORK/plugins/orders-projection.jar"
set +e
./reprise replay --contract examples/orders/contract/orders.yaml --bootstrap-server "$BOOTSTRAP" \
  --plugin-path "$WORK/plugins" --state-dir "$WORK/state" >"$WORK/evidence.txt" 2>"$WORK/replay.err"
code=$?
set -e
cat "$WORK/evidence.txt"
if grep -q "reprise: building" "$WORK/replay.err"; then
  echo "FAIL: the launcher built for a change of schemas or plugins" >&2; exit 1
fi
if [ "$code" -ne 0 ]; then
  echo "FAIL: 'reprise replay' exited $code, not 0 (trusted); its log:" >&2; tail -40 "$WORK/replay.err" >&2; exit 1
fi
grep -q "trusted" "$WORK/evidence.txt"
echo "OK: the example's history replayed trusted from its plugin jar, and the launcher did not build"

# Rehearsals on the team's own data: a sample of 200 orders copied into a broker of the drill's own, then SIGKILLs
# (crash) and broken pipelines the evidence must not call trusted (evidence). Exit 0 only when every scenario held.
for scenario in crash evidence; do
  ./reprise drill "$scenario" --contract examples/orders/contract/orders.yaml --plugin-path "$WORK/plugins" \
    --sample-keys 200 --source-bootstrap-server "$BOOTSTRAP" --seed 11 >"$WORK/drill-$scenario.json" 2>"$WORK/drill-$scenario.err" || {
    echo "FAIL: 'reprise drill $scenario' on a sample of the example's history did not hold:" >&2; tail -30 "$WORK/drill-$scenario.err" >&2; exit 1; }
  grep -E "^  $scenario: " "$WORK/drill-$scenario.err"
done
echo "OK: drill crash and drill evidence held on a sample of the example's history"
