#!/usr/bin/env bash
# Benchmark (3) of issue 12: how many workflows of the compatibility corpus validate, with
# Gantry's built-in actions only and with actions from git. Fetches the corpus first when it is
# missing (bench/compat/fetch.sh needs the internet), then runs CompatCorpusTest and prints its
# summary (runner/target/compat-corpus.txt has each file's first problem).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
[ "$(ls bench/compat/files 2>/dev/null | wc -l)" -ge 20 ] || bench/compat/fetch.sh
mvn -B -ntp -o -q -pl runner -am test -Dtest=CompatCorpusTest -DexcludedGroups=none -Dsurefire.failIfNoSpecifiedTests=false \
  > bench/compat/last-run.log 2>&1 || { tail -40 bench/compat/last-run.log; exit 1; }
head -1 runner/target/compat-corpus.txt
