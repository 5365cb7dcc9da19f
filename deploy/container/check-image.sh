#!/usr/bin/env bash
# Builds Reprise's image with Jib (`mvn -Pimage`: no Docker engine, no registry), twice, and checks it:
#   1. reproducible: both builds give the same image digest;
#   2. its layers hold the product jar, its runtime dependencies and a Java runtime, and nothing of Maven, of the
#      embedded broker (kafka_2.13, Kafka's server modules, Scala), of the tests, and no sample, demo, drill or
#      benchmark classes in the product jar;
#   3. its configuration runs java itself as a user other than root, never the repository's launcher;
#   4. its entry point, run from the unpacked layers (chroot, with its own C libraries and Java runtime, as user
#      10001:0, with the image's environment): `--version`; `plan --offline` of the contract the Kubernetes files
#      mount (deploy/kubernetes/contract/contract.yaml at /opt/reprise/contracts/contract.yaml, the repository's
#      schemas at /opt/reprise/schemas and, once the samples live outside the product, their jar in
#      /opt/reprise/plugins: what a team's image adds), whose output must be UTF-8 as on a terminal; and a broken
#      contract, which must end with exit 2;
#   5. a team's plugin in the image's layout: the example project's jar (examples/orders) in /opt/reprise/plugins, its
#      contract and schemas mounted, and its history (written to a broker started by ./reprise broker) replayed by the
#      entry point: trusted, exit 0.
# Needs Java 17 (a JDK with jmods), Maven, and root for chroot/unshare (CI runs as root). Usage: check-image.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="$ROOT/app/target"
WORK="$TARGET/image-check"
VERSION="$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)"
failures=0
fail() { echo "check-image: FAIL: $*" >&2; failures=$((failures + 1)); }
ok() { echo "check-image: ok: $*"; }

build() {
  # A fresh jar, runtime and tar each time: the second build proves the digest does not depend on the first.
  rm -rf "$TARGET/reprise-app.jar" "$TARGET/image-root" "$TARGET/reprise-image.tar" "$TARGET/jib-cache" "$TARGET/jib-image.digest"
  (cd "$ROOT" && mvn -B -q -Dstyle.color=never -pl api,app -Pimage -DskipTests -DskipITs package >&2)
  cat "$TARGET/jib-image.digest"
}

if [ "${REUSE_IMAGE:-}" = 1 ] && [ -f "$TARGET/reprise-image.tar" ]; then
  # REUSE_IMAGE=1: check the image built last, without building (and without the reproducibility check).
  second="$(cat "$TARGET/jib-image.digest")"
else
  echo "check-image: building the image (1 of 2)"
  first="$(build)"
  echo "check-image: building the image (2 of 2)"
  second="$(build)"
  if [ "$first" = "$second" ]; then ok "reproducible: both builds are $first"; else fail "two builds of the same commit differ: $first, $second"; fi
fi

rm -rf "$WORK"
mkdir -p "$WORK/image" "$WORK/rootfs"
tar -xf "$TARGET/reprise-image.tar" -C "$WORK/image"
layers=$(grep -o '"Layers":\[[^]]*\]' "$WORK/image/manifest.json" | grep -o '[0-9a-f]*\.tar\.gz')
[ -n "$layers" ] || { echo "check-image: no layers in $WORK/image/manifest.json" >&2; exit 1; }
: > "$WORK/files"
for layer in $layers; do
  tar --warning=no-unknown-keyword -tzf "$WORK/image/$layer" >> "$WORK/files"
  tar --warning=no-unknown-keyword -xzf "$WORK/image/$layer" -C "$WORK/rootfs"
done
echo "check-image: $(echo "$layers" | wc -w) layers, $(wc -l < "$WORK/files") entries, $(du -sh "$WORK/rootfs" | cut -f1) unpacked"

# 2. What the layers hold.
for required in opt/reprise/app/classpath/reprise-app.jar opt/java/bin/java lib64/ld-linux-x86-64.so.2 etc/passwd \
                opt/reprise/plugins/ opt/reprise/contracts/ opt/reprise/schemas/ var/lib/reprise/state/ tmp/; do
  grep -qx "$required" "$WORK/files" || fail "the image has no $required"
done
forbidden='(^|/)(kafka_2\.1[0-9]|kafka-server|kafka-metadata|kafka-raft|kafka-storage|kafka-coordinator|kafka-group-coordinator|kafka-share-coordinator|kafka-transaction-coordinator|scala-|junit|opentest4j|assertj|kubernetes-model|strimzi|apicurio|maven|mvn$|plexus)'
found="$(grep -E "$forbidden" "$WORK/files" || true)"
if [ -z "$found" ]; then ok "no Maven, no broker or Scala, no test library in the layers"; else fail "the layers hold what the product does not run:"; echo "$found" | sed 's/^/    /' >&2; fi
JAR="${JAVA_HOME:+$JAVA_HOME/bin/jar}"; [ -x "${JAR:-}" ] || JAR="$(dirname "$(readlink -f "$(command -v javac)")")/jar"
jar_tools="$(cd "$WORK" && "$JAR" tf rootfs/opt/reprise/app/classpath/reprise-app.jar 2>/dev/null \
             | grep -oE '^dev/reprise/(sample|demo|drill|bench|embedded)/' | sort -u || true)"
if [ -z "$jar_tools" ]; then ok "the product jar holds no sample, demo, drill, benchmark or embedded broker"; else fail "the product jar holds tools and samples: $(echo $jar_tools)"; fi

# 3. The image's configuration.
config="$WORK/image/config.json"
strings_of() { grep -o "\"$1\":\[[^]]*\]" "$config" | sed 's/^"[^"]*"://' | grep -o '"[^"]*"' | tr -d '"'; }
user="$(grep -o '"User":"[^"]*"' "$config" | cut -d'"' -f4)"
case "$user" in ''|0|0:*|root|root:*) fail "the image runs as root ($user)" ;; *) ok "runs as $user" ;; esac
mapfile -t entrypoint < <(strings_of Entrypoint)
mapfile -t env < <(strings_of Env)
[ "${entrypoint[0]:-}" = /opt/java/bin/java ] && ok "entry point: ${entrypoint[*]}" || fail "the entry point is not java: ${entrypoint[*]}"
case " ${entrypoint[*]} " in *reprise/reprise*|*mvn*) fail "the entry point runs the launcher or Maven" ;; esac

# 4. The entry point, from the unpacked layers. What a container runtime gives a process, and what a team adds.
mkdir -p "$WORK/rootfs/proc" "$WORK/rootfs/dev"
cp "$ROOT/deploy/kubernetes/contract/contract.yaml" "$WORK/rootfs/opt/reprise/contracts/contract.yaml"
cp -r "$ROOT/schemas/." "$WORK/rootfs/opt/reprise/schemas/"
for plugin in "$ROOT"/tools/target/reprise-tools*.jar; do
  [ -f "$plugin" ] && case "$plugin" in *-sources.jar|*-tests.jar) ;; *) cp "$plugin" "$WORK/rootfs/opt/reprise/plugins/" ;; esac
done
printf 'name: broken\n' > "$WORK/rootfs/opt/reprise/contracts/broken.yaml"
UNSHARE="$(command -v unshare)"; CHROOT="$(command -v chroot)"; MOUNT="$(command -v mount)"; BASH="$(command -v bash)"
run() {
  # A mount namespace of its own with /proc and /dev, then chroot into the layers as the image's user, with the
  # image's environment only.
  env -i "${env[@]}" "$UNSHARE" --mount --pid --fork --mount-proc="$WORK/rootfs/proc" \
    "$BASH" -c '"$0" --rbind /dev "$1/dev" && exec "$2" --userspec="$3" "$1" "${@:4}"' "$MOUNT" "$WORK/rootfs" "$CHROOT" "$user" "${entrypoint[@]}" "$@"
}
set +e
out="$(run --version 2>&1)"; rc=$?
set -e
if [ $rc -eq 0 ] && [[ "$out" == "reprise $VERSION "* ]]; then ok "--version: $out"; else fail "--version exited $rc: $out"; fi
set +e
out="$(run plan --offline --contract /opt/reprise/contracts/contract.yaml 2>&1)"; rc=$?
set -e
if [ $rc -eq 0 ] && grep -q "is valid (sha256 [0-9a-f]*…)" <<< "$out"; then ok "plan --offline of the mounted contract: $(head -1 <<< "$out")"; else fail "plan --offline exited $rc:"; echo "$out" | sed 's/^/    /' >&2; fi
set +e
out="$(run plan --offline --contract /opt/reprise/contracts/broken.yaml 2>&1)"; rc=$?
set -e
if [ $rc -eq 2 ]; then ok "a broken contract ends with exit 2: $(head -1 <<< "$out")"; else fail "a broken contract exited $rc (2 expected): $out"; fi

# 5. A team's plugin, contract and schemas in the image's layout: the example's history replayed by the entry point.
EXAMPLE="$ROOT/examples/orders"
if [ ! -f "$EXAMPLE/target/orders-projection.jar" ]; then
  echo "check-image: building the example project (examples/orders) against the installed reprise-api"
  (cd "$ROOT" && mvn -B -q install -DskipTests -pl api,app,testkit -am >&2 && mvn -B -q -f examples/orders/pom.xml package -DskipTests >&2)
fi
mkdir -p "$WORK/rootfs/opt/reprise/examples/orders"
cp -r "$EXAMPLE/contract" "$EXAMPLE/schemas" "$WORK/rootfs/opt/reprise/examples/orders/"
cp "$EXAMPLE/target/orders-projection.jar" "$WORK/rootfs/opt/reprise/plugins/"
rm -f "$WORK/bootstrap"
(cd "$ROOT" && exec ./reprise broker --bootstrap-file "$WORK/bootstrap" >"$WORK/broker.out" 2>"$WORK/broker.err") &
BROKER_PID=$!
trap 'kill "$BROKER_PID" 2>/dev/null || true; wait "$BROKER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do [ -s "$WORK/bootstrap" ] && break; kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 1; done
if [ -s "$WORK/bootstrap" ]; then
  BOOTSTRAP="$(cat "$WORK/bootstrap")"
  (cd "$ROOT" && mvn -B -q -f examples/orders/pom.xml exec:java -Dexec.args="$BOOTSTRAP 500" >&2)
  set +e
  out="$(run replay --contract /opt/reprise/examples/orders/contract/orders.yaml --bootstrap-server "$BOOTSTRAP" 2>&1)"; rc=$?
  set -e
  if [ $rc -eq 0 ] && grep -q "trusted" <<< "$out"; then ok "the example's plugin in /opt/reprise/plugins replayed its history: trusted"
  else fail "the example's replay in the image's layout exited $rc (0, trusted, expected):"; echo "$out" | tail -30 | sed 's/^/    /' >&2; fi
else
  fail "the broker for the example's replay did not start: $(tail -5 "$WORK/broker.err" 2>/dev/null)"
fi

if [ $failures -gt 0 ]; then
  echo "check-image: $failures check(s) failed; the image is $TARGET/reprise-image.tar, unpacked in $WORK" >&2
  exit 1
fi
echo "check-image: the image $TARGET/reprise-image.tar ($second) passed every check"
