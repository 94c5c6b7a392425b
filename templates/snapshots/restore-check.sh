archive="$backup/$name.tar"
$S test -f "$archive" || { log "no snapshot $name in $backup"; exit 1; }
# A snapshot with a blob list holds no blob contents: each one it lists must be on hand before
# anything changes, in the blob stores, in the snapshot's hard links or in the blob backup.
manifest="$backup/$name.blobs"
links="$links_root/$name"
work="$backup/.restore-$name"
$S rm -rf "$work"; $S mkdir -m 0700 "$work"
trap '$S rm -rf "$work"' EXIT
if $S test -f "$manifest"; then
  { blob_files "$data/blobs"; blob_files "$links"; blob_files "$blob_backup"; } | $S tee "$work/on-hand" >/dev/null
  not_in "$manifest" "$work/on-hand" | $S tee "$work/missing" >/dev/null
  missing=$($S awk 'END { print NR }' "$work/missing")
  if [ "$missing" -gt 0 ]; then
    log "refusing to restore $name: $missing blob file(s) its database references are in none of"
    log "$data/blobs, $links, $blob_backup (with the listed size), e.g.:"
    $S head -n 5 "$work/missing" | sed 's/^/  /' >&2
    log "Nothing was stopped or changed. Copy them back from a backup of the blob stores into $blob_backup/."
    exit 1
  fi
fi
