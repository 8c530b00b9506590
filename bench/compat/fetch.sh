#!/usr/bin/env bash
# Downloads the compatibility corpus (bench/compat/corpus.tsv) into bench/compat/files at the
# listed commits. Needs access to raw.githubusercontent.com; files already there are kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/files"
grep -v '^#' "$here/corpus.tsv" | while IFS=$'\t' read -r file repo path commit _rest; do
  [ -z "$file" ] && continue
  target="$here/files/$file"
  if [ ! -s "$target" ]; then
    curl -fsSL --max-time 30 "https://raw.githubusercontent.com/$repo/$commit/$path" -o "$target.tmp" \
      && mv "$target.tmp" "$target" || { rm -f "$target.tmp"; echo "cannot fetch $repo/$path@$commit" >&2; }
  fi
done
echo "$(ls "$here/files" | wc -l) files in $here/files"
