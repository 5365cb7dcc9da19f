#!/usr/bin/env bash
# Builds Reprise's image where no registry can be pulled from: a Debian base made with debootstrap (Debian's own
# openjdk-17-jre-headless inside), imported into podman, then the Dockerfile of this folder on top of it; runs
# `reprise --version` and `reprise --help` (the product's commands only: the image carries no tools) in a container. Needs root, debootstrap, podman and runc (apt-get install -y
# debootstrap podman runc). Everything it makes stays outside the repository (WORK, default /var/tmp/reprise-image).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="${WORK:-/var/tmp/reprise-image}"
BASE=localhost/debian-bookworm-jre17:local
TAG="${TAG:-localhost/reprise:$(sed -n 's:^  <version>\(.*\)</version>:\1:p' "$ROOT/pom.xml" | head -1)}"
# This machine's containers: cgroup v1 with a v2 hierarchy beside it (crun refuses it, runc does not), and a hard
# limit of open files below podman's default.
RUN_OPTS=(--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)

mkdir -p "$WORK"
if ! podman image exists "$BASE"; then
  if [ ! -x "$WORK/rootfs/usr/bin/java" ]; then
    debootstrap --variant=minbase --include=openjdk-17-jre-headless,ca-certificates bookworm "$WORK/rootfs" http://deb.debian.org/debian
  fi
  tar -C "$WORK/rootfs" -c . | podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["/bin/bash"]' - "$BASE"
fi
(cd "$ROOT" && [ -f app/target/reprise-app.jar ] || mvn -q -B -DskipTests -pl app package)
podman build --runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --build-arg BASE_IMAGE="$BASE" -f "$ROOT/deploy/container/Dockerfile" -t "$TAG" "$ROOT"
echo "== reprise --version in the container"
podman run --rm "${RUN_OPTS[@]}" "$TAG" --version
echo "== reprise --help in the container (read-only root file system, /tmp and the state volume writable)"
podman run --rm "${RUN_OPTS[@]}" --read-only --tmpfs /tmp:rw,size=512m --tmpfs /var/lib/reprise:rw,size=512m,mode=1777 \
    "$TAG" --help
