#!/bin/sh
# Symbol hygiene (cmake/localize.sh): the libraries export only the names
# cmake/exported_symbols.txt allows, and a program defining globals named
# like internals (symbol_clash.c) links and runs in both builds.
#   symbol_clash.sh GORACE_BIN SOURCE_DIR ARCHIVE...
set -u
gorace=$1 src=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache
fail=0
allowed='^(go_|GO_|__tsan_|rt_|det_|gh_)|^(gorace_deadlock_engine|gorace_tsan_engine)$'
# The interposed libc functions: the race detector's allocator, its string
# and printf-buffer accesses (detect/race/libc.c), its thread edges and
# its POSIX synchronisation edges (detect/race/pthread.c) and I/O edges.
libc='^(malloc|free|calloc|realloc|reallocarray|memalign|posix_memalign|aligned_alloc|valloc|pvalloc|memcpy|memmove|memset)$'
libc=$libc'|^(strlen|strnlen|strcmp|strncmp|memcmp|strchr|strrchr|memchr|strstr|strcpy|stpcpy|strncpy|strcat|strncat|strdup|strndup)$'
libc=$libc'|^(sprintf|snprintf|vsprintf|vsnprintf|pthread_create|pthread_join)$'
libc=$libc'|^pthread_(mutex_(lock|trylock|timedlock|unlock)|spin_(lock|trylock|unlock))$'
libc=$libc'|^pthread_(rwlock_(rdlock|tryrdlock|wrlock|trywrlock|unlock)|cond_(wait|timedwait)|once|barrier_wait)$'
libc=$libc'|^sem_(post|wait|trywait|timedwait)$|^(p?read|p?write|recv|send)$'
for lib in "$@"; do
    bad=$(nm -g --defined-only "$lib" | awk 'NF==3 {print $3}' |
          grep -Ev "$allowed" | grep -Ev "$libc" | sort -u | tr '\n' ' ')
    if [ -n "$bad" ]; then
        echo "FAIL $(basename "$lib") exports: $bad"
        fail=1
    fi
done
for build in --release ""; do
    # shellcheck disable=SC2086
    if ! "$gorace" cc $build "$src/tests/symbol_clash.c" -o "$tmp/prog"; then
        echo "FAIL gorace cc $build symbol_clash.c"
        fail=1
        continue
    fi
    out=$("$tmp/prog")
    if [ $? -ne 0 ] || [ "$out" != "sum 36" ]; then
        echo "FAIL symbol_clash ($build): exit $?, output '$out'"
        fail=1
    fi
done
exit $fail
