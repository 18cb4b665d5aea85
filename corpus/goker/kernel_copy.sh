# Sourced by shrink_table.sh and first_seed.sh. kernel_copy SRC DST: a copy
# of GoKer kernel SRC whose header expects `ok` (its `bug:`, `seeds:` and
# `stderr:` lines dropped, its `gorace:` options kept), so that `gorace
# stress`, which judges a corpus file by its header, fails exactly the runs
# that show the bug (or anything else that is not a clean exit).
kernel_copy() {
    sed -e 's|^// expect: .*|// expect: ok|' -e '/^\/\/ bug:/d' \
        -e '/^\/\/ seeds:/d' -e '/^\/\/ stderr:/d' "$1" >"$2"
}
