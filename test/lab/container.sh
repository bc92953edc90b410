#!/bin/sh
# Starts one container of a lab pod: run under `unshare --mount --propagation private` by the kubelet stand-in,
# in the node's network namespace. The container's root is an empty directory ROOT where the host's system
# directories are bind-mounted read-only (the "image" is the host's own userland), /proc /sys /dev come from the
# host (so /sys shows the node's namespace), /tmp is a fresh tmpfs, and each volume mount of the pod spec is a bind
# mount at its mountPath. Then chroot into ROOT and exec the command.
#
#   container.sh ROOT [SOURCE MOUNTPATH ro|rw]... -- COMMAND [ARG]...
set -eu
root=$1
shift
for d in bin sbin lib lib32 lib64 libx32 usr etc opt; do
  if [ -L "/$d" ]; then
    ln -s "$(readlink "/$d")" "$root/$d"
  elif [ -d "/$d" ]; then
    mkdir -p "$root/$d"
    mount --rbind "/$d" "$root/$d"
    mount -o remount,bind,ro "$root/$d"
  fi
done
for d in proc sys dev; do
  mkdir -p "$root/$d"
  mount --rbind "/$d" "$root/$d"
done
mkdir -p "$root/tmp" "$root/root" "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
  source=$1 target=$2 mode=$3
  shift 3
  if [ -d "$source" ]; then mkdir -p "$root$target"; else mkdir -p "$root$(dirname "$target")"; : >"$root$target"; fi
  mount --rbind "$source" "$root$target"
  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$root$target"; fi
done
shift
exec chroot "$root" "$@"
