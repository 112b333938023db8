#!/bin/sh
# Lays out the root filesystem of a FROM-scratch image in OUT: each FILE given (copied to
# the same path), every shared library it loads as this image's loader resolves them
# (ldd), and an unprivileged user 65532 "edgemix" in /etc/passwd and /etc/group.
# Runs inside the build stage of deploy/images/*.Containerfile.
#
#   collect.sh OUT FILE...
set -eu
out="$1"
shift
mkdir -p "$out/etc" "$out/tmp"
chmod 1777 "$out/tmp"
for file in "$@"; do
  cp -L --parents "$file" "$out"
  # "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" and "/lib64/ld-linux-x86-64.so.2 (0x...)"
  for lib in $(ldd "$file" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    cp -L --parents "$lib" "$out"
  done
done
echo 'edgemix:x:65532:65532:edgemix:/nonexistent:/usr/sbin/nologin' > "$out/etc/passwd"
echo 'edgemix:x:65532:' > "$out/etc/group"
