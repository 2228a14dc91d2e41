#!/usr/bin/env bash
# Builds a minimal Node.js base image from this machine's own files, with no registry:
#
#   scripts/local-base-image.sh [TAG] [--force]        (default TAG: tensorloom/node-base:local)
#
# The root filesystem holds the `node` binary found on PATH (or $NODE) at /usr/local/bin/node,
# the shared libraries `ldd` lists for it (the dynamic loader included) at the same paths as on
# this host, /tmp (mode 1777), and a minimal /etc: passwd and group with root and an unprivileged
# user `app` (uid/gid 10001, no home, no shell), nsswitch.conf. No shell, no package manager,
# no CA certificates. It is imported with `docker import`, labelled with how it was made.
# An existing TAG is kept unless --force is given.
#
# Why: exported Tensorloom model servers need a Node base image, and CI machines and air-gapped
# hosts cannot pull one. On an air-gapped host, run this script there (it needs only a Docker
# engine, `ldd` and Node ≥ 20), then point the export at the tag; or build it on one machine
# and carry it over with `docker save TAG | gzip > node-base.tar.gz` and
# `docker load < node-base.tar.gz`. The image matches the host's CPU architecture and glibc.
#
# Check:  docker run --rm --network host tensorloom/node-base:local node -e 'console.log(process.version)'
set -euo pipefail

tag=tensorloom/node-base:local
force=0
for argument in "$@"; do
  case "$argument" in
    --force) force=1 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "local-base-image: unknown option $argument" >&2; exit 2 ;;
    *) tag=$argument ;;
  esac
done

if [ "$force" = 0 ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "local-base-image: $tag exists, kept (--force rebuilds it)"
  exit 0
fi

node_bin=$(readlink -f "${NODE:-$(command -v node)}")
[ -x "$node_bin" ] || { echo "local-base-image: no node binary found (put node on PATH or set NODE)" >&2; exit 1; }
node_version=$("$node_bin" --version)

root=$(mktemp -d "${TMPDIR:-/tmp}/tensorloom-base.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root" # mktemp makes it 0700; it becomes the image's /

install -d -m 0755 "$root/usr/local/bin" "$root/usr/bin" "$root/bin" "$root/etc"
install -d -m 1777 "$root/tmp"
cp "$node_bin" "$root/usr/local/bin/node"

# `ldd` prints "name => /path (addr)" for libraries and "/path (addr)" for the loader; each file
# goes to the same path inside the image (symlinks resolved), so the binary's loader path holds.
libraries=$(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u)
[ -n "$libraries" ] || { echo "local-base-image: ldd listed no libraries for $node_bin (a static binary needs none; is ldd working?)" >&2; }
for library in $libraries; do
  install -d -m 0755 "$root$(dirname "$library")"
  cp -L "$library" "$root$library"
done

cat > "$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
app:x:10001:10001:app:/nonexistent:/usr/sbin/nologin
EOF
cat > "$root/etc/group" <<'EOF'
root:x:0:
app:x:10001:
EOF
cat > "$root/etc/nsswitch.conf" <<'EOF'
passwd: files
group:  files
hosts:  files dns
EOF

host_os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}" || echo unknown)
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
# --owner/--group: the same image whoever runs the script.
tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
  docker import \
    --message "Node $node_version and its shared libraries from $host_os, by scripts/local-base-image.sh" \
    --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
    --change 'CMD ["node"]' \
    --change "LABEL org.opencontainers.image.title=\"tensorloom node base (local)\"" \
    --change "LABEL org.opencontainers.image.description=\"node and the libraries ldd lists for it, copied from the host; no registry\"" \
    --change "LABEL org.opencontainers.image.created=\"$created\"" \
    --change "LABEL io.tensorloom.base.made-by=\"scripts/local-base-image.sh\"" \
    --change "LABEL io.tensorloom.base.node-version=\"$node_version\"" \
    --change "LABEL io.tensorloom.base.host-os=\"$host_os\"" \
    --change "LABEL io.tensorloom.base.architecture=\"$(uname -m)\"" \
    - "$tag" >/dev/null
echo "local-base-image: built $tag (node $node_version from $node_bin, $(echo "$libraries" | wc -w) libraries, $(du -sh "$root" | cut -f1))"
