#!/bin/sh
# Symbol hygiene for one static library: partial-links all its members into
# one object (ld -r) and makes every global local but the names in KEEP
# (wildcards: go_*, rt_*, malloc, ...), so a user program may define its
# own `sched` or `vc_join`. Internals still link across the library's own
# files; they resolve inside the partial link, before they are localized.
#   localize.sh LD OBJCOPY AR LIB KEEP
set -eu
ld=$1 objcopy=$2 ar=$3 lib=$4 keep=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
obj=$tmp/$(basename "$lib" .a).o
"$ld" -r --whole-archive "$lib" -o "$obj"
"$objcopy" --wildcard --keep-global-symbols="$keep" "$obj"
rm -f "$lib"
"$ar" rcs "$lib" "$obj"
