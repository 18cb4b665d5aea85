#!/bin/sh
# Every go_ function and every GO_ macro or constant that include/gorace.h
# declares appears in API.md, in backquotes or a code block. Usage:
#   api_names.sh SOURCE_DIR
# Exits 1 listing the names API.md lacks.
set -eu
src=${1:-.}
header=$src/include/gorace.h
doc=$src/API.md
[ -r "$header" ] && [ -r "$doc" ] || { echo "missing $header or $doc"; exit 2; }

# Declared names: a go_ identifier followed by "(" (functions), the go_
# types (typedef names), and GO_ macros and enum constants. Comments are
# stripped first.
names=$(sed -e 's://.*$::' "$header" |
    perl -0777 -pe 's{/\*.*?\*/}{}gs' |
    grep -oE '\b(go_[a-z0-9_]+[[:space:]]*\(|GO_[A-Z0-9_]+)|(struct|\}) go_[a-z0-9_]+' |
    sed -e 's/[[:space:]]*($//' -e 's/^struct //' -e 's/^} //' | sort -u)
[ -n "$names" ] || { echo "no names found in $header"; exit 2; }

missing=0
count=0
for n in $names; do
    count=$((count + 1))
    if ! grep -qE "(^|[^A-Za-z0-9_])$n([^A-Za-z0-9_]|\$)" "$doc"; then
        echo "API.md does not document $n"
        missing=$((missing + 1))
    fi
done
echo "$count public names in gorace.h, $missing missing from API.md"
[ "$missing" -eq 0 ]
