# forget_unlisted_blobs: after snapshots went, what only they kept goes too: their hard links, and
# the blob backup's copies of contents no remaining snapshot lists.
forget_unlisted_blobs() {
  for d in $($S sh -c 'ls -A "$1" 2>/dev/null' sh "$links_root"); do
    $S test -f "$backup/$d.json" || { log "removing the blob links of $d"; $S rm -rf "$links_root/$d"; }
  done
  $S test -d "$blob_backup" || return 0
  # (no list at all: nothing is removed, the operator's copy is left alone)
  $S sh -c 'for m in "$1"/nexus-data-*.blobs; do [ -f "$m" ] && cat "$m"; done
      ls "$1"/nexus-data-*.blobs >/dev/null 2>&1 || exit 0
      echo "--kept--"; cd "$2" && find . -path "$3" -type f -printf "%P\n"' \
    sh "$backup" "$blob_backup" "$blob_content" \
    | awk -F '\t' '$0 == "--kept--" { k = 1; next } !k { kept[$1] = 1; next } !($1 in kept)' \
    | $S sh -c 'n=0; while IFS= read -r f; do rm -f "$1/$f"; n=$((n + 1)); done
        [ "$n" -eq 0 ] || echo "removed $n blob file(s) no snapshot lists from $1" >&2' sh "$blob_backup"
}
