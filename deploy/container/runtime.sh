#!/usr/bin/env bash
# The file system under Reprise's image, made without a registry and without a container engine (Jib puts it
# under the application's layers, from `scratch`; `mvn -Pimage` runs this script, see app/pom.xml):
#   /opt/java                  a Java runtime made by jlink from the building JDK, with the modules Reprise and its
#                              libraries use (jdeps --print-module-deps on the product jar and its dependencies)
#   /lib, /lib64               the C libraries that runtime and RocksDB's native library link against (glibc,
#                              libstdc++, libgcc_s, zlib), copied from the building machine
#   /usr/lib/locale/C.utf8     the C library's UTF-8 locale (LANG=C.UTF-8)
#   /etc/passwd, /etc/group    user reprise (10001, group 0) and root
#   /opt/reprise/plugins       empty: a team's jars (projections, upcasters) go here, on the class path
#   /opt/reprise/contracts     empty: the contract is mounted here (the Kubernetes files mount a ConfigMap)
#   /opt/reprise/schemas       empty: a team's .avsc files and id map, for a contract's `directory: ../schemas`
#   /var/lib/reprise/state     the state directory (group 0 may write: the pods run as 10001:0)
#   /tmp                       the JVM's and RocksDB's scratch space (an emptyDir on Kubernetes)
# Usage: runtime.sh JAVA_HOME OUT_DIR
set -euo pipefail
JDK="$1"
mkdir -p "$2"
OUT="$(cd "$2" && pwd)"
MODULES="java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.rmi,java.scripting,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.cryptoki,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.security.jgss,jdk.unsupported,jdk.zipfs"

[ -x "$JDK/bin/jlink" ] || { echo "runtime.sh: no jlink in $JDK (a JDK with its jmods is needed, e.g. Debian's openjdk-17-jdk-headless)" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT/opt" "$OUT/lib" "$OUT/lib64" "$OUT/etc" "$OUT/tmp" "$OUT/var/lib/reprise/state" \
    "$OUT/opt/reprise/plugins" "$OUT/opt/reprise/contracts" "$OUT/opt/reprise/schemas"
"$JDK/bin/jlink" --add-modules "$MODULES" --strip-debug --no-man-pages --no-header-files --compress=2 \
    --output "$OUT/opt/java"

# The JDK's trust store (on Debian a link to the system's), as a file: for brokers with a public CA.
if [ -L "$OUT/opt/java/lib/security/cacerts" ] || [ ! -s "$OUT/opt/java/lib/security/cacerts" ]; then
  src="$(readlink -f "$JDK/lib/security/cacerts" || true)"
  rm -f "$OUT/opt/java/lib/security/cacerts"
  if [ -s "$src" ]; then cp "$src" "$OUT/opt/java/lib/security/cacerts"; fi
fi

# java.desktop is there for java.beans (libraries introspect with it): no graphics, sound or fonts, so none of their
# native libraries (they would bring X11, ALSA and FreeType).
(cd "$OUT/opt/java/lib" && rm -f libawt.so libawt_headless.so libawt_xawt.so libfontmanager.so libjavajpeg.so libjawt.so \
    libjsound.so liblcms.so libmlib_image.so libsplashscreen.so)

# The shared libraries the runtime's binaries and RocksDB's JNI library need, with the dynamic loader.
natives=("$OUT/opt/java/bin/java" $(find "$OUT/opt/java/lib" -name '*.so'))
rocks="$(ls "$(dirname "$0")"/../../app/target/lib/rocksdbjni-*.jar 2>/dev/null | head -1 || true)"
if [ -n "$rocks" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && "$JDK/bin/jar" xf "$rocks" librocksdbjni-linux64.so 2>/dev/null || true)
  [ -f "$tmp/librocksdbjni-linux64.so" ] && natives+=("$tmp/librocksdbjni-linux64.so")
fi
ldd "${natives[@]}" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\/.*ld-linux/ { print $1 }' | grep -v "^$OUT" | sort -u | while read -r lib; do
  case "$lib" in
    /lib64/*|/usr/lib64/*) dest="$OUT/lib64/$(basename "$lib")" ;;
    *) dest="$OUT/lib/$(basename "$lib")" ;;
  esac
  cp -L "$lib" "$dest"
done
[ -n "${tmp:-}" ] && rm -rf "$tmp"
# One library directory the loader searches by default, whatever the building machine's layout.
mkdir -p "$OUT/lib/x86_64-linux-gnu"
for f in "$OUT"/lib/*.so*; do mv "$f" "$OUT/lib/x86_64-linux-gnu/"; done
[ -e "$OUT/lib64/ld-linux-x86-64.so.2" ] || { echo "runtime.sh: no dynamic loader found for $OUT/opt/java/bin/java" >&2; exit 1; }

# The C.UTF-8 locale (LANG=C.UTF-8 in the image): without it the C library falls back to ASCII, and so do Java's
# output and file names.
if [ -d /usr/lib/locale/C.utf8 ]; then
  mkdir -p "$OUT/usr/lib/locale"
  cp -r /usr/lib/locale/C.utf8 "$OUT/usr/lib/locale/"
else
  echo "runtime.sh: no /usr/lib/locale/C.utf8 on this machine: the image's output will be ASCII" >&2
fi

printf 'root:x:0:0:root:/root:/sbin/nologin\nreprise:x:10001:0:Reprise:/var/lib/reprise:/sbin/nologin\n' > "$OUT/etc/passwd"
printf 'root:x:0:\n' > "$OUT/etc/group"
printf 'hosts: files dns\n' > "$OUT/etc/nsswitch.conf"
# Jib keeps no empty directory: a marker keeps each place.
for d in tmp var/lib/reprise/state opt/reprise/plugins opt/reprise/contracts opt/reprise/schemas; do
  : > "$OUT/$d/.keep"
done
