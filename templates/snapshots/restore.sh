stamp=$(date -u '+%Y%m%dT%H%M%SZ')
mount_point=false
if $S test -d "$data" && [ "$($S stat -c %d "$data")" != "$($S stat -c %d "$data/..")" ]; then
  mount_point=true
fi
# Blob contents stay where they are when the snapshot lists them (it does not hold them).
keep_blobs=false
$S test -f "$manifest" && keep_blobs=true
stays() {
  case "$1" in
    .before-restore-* | .snapshot-blobs) return 0 ;;
    blobs) [ "$keep_blobs" = true ] ;;
    *) return 1 ;;
  esac
}
# The data kept aside holds the database (password hashes, keys): its owner (root) only.
if [ "$mount_point" = true ]; then
  aside="$data/.before-restore-$stamp"
elif $S test -e "$data"; then
  aside="$data.before-restore-$stamp"
else
  aside=""
fi
$S mkdir -p "$data"
data_mode=$($S stat -c %a "$data")
[ -z "$aside" ] || $S mkdir -m 0700 "$aside"
for entry in $($S ls -A "$data"); do
  stays "$entry" || $S mv "$data/$entry" "$aside/"
done
if [ "$keep_blobs" = true ] && $S test -d "$data/blobs"; then
  # the blob stores' own files (attributes, metrics, indexes) as they are now: the snapshot has
  # them as they were
  $S sh -c 'cd "$1" && find . -type f ! -path "$2" -print0 \
    | tar --null --numeric-owner --remove-files -T - -cpf "$3/blob-store-files.tar"' \
    sh "$data/blobs" "$blob_content" "$aside"
  # contents written since the snapshot: its database references none of them
  blob_files "$data/blobs" | $S tee "$work/now" >/dev/null
  not_in "$work/now" "$manifest" | $S sh -c 'while IFS="$(printf "\t")" read -r f size; do
      mkdir -p "$2/blobs/${f%/*}" && mv "$1/$f" "$2/blobs/$f" || exit 1
    done' sh "$data/blobs" "$aside"
  # and the directories left empty: the archive brings back every one the snapshot had
  $S find "$data/blobs" -mindepth 1 -depth -type d -empty -delete
fi
undo() {
  log "restore failed: putting the previous data back"
  for entry in $($S ls -A "$data"); do
    stays "$entry" || $S rm -rf "$data/$entry"
  done
  if $S test -f "$aside/blob-store-files.tar"; then
    $S sh -c 'cd "$1" && find . -type f ! -path "$2" -delete' sh "$data/blobs" "$blob_content"
    $S tar --numeric-owner -C "$data/blobs" -xpf "$aside/blob-store-files.tar"
    $S rm -f "$aside/blob-store-files.tar"
  fi
  if $S test -d "$aside/blobs" && [ "$keep_blobs" = true ]; then
    $S cp -al "$aside/blobs/." "$data/blobs/" && $S rm -rf "$aside/blobs"
  fi
  if [ -n "$aside" ]; then
    for entry in $($S ls -A "$aside"); do $S mv "$aside/$entry" "$data/"; done
    $S rmdir "$aside"
  fi
  $S chmod "$data_mode" "$data"
  if [ "$was_running" = true ]; then docker start "$container" >/dev/null || true; fi
}
log "restoring $name into $data (previous data kept in ${aside:-nowhere: there was none})"
if ! $S tar --numeric-owner -C "$data" -xpf "$archive"; then undo; exit 1; fi
if [ "$keep_blobs" = true ]; then
  # the listed contents not in place (removed by a compaction, or a new disk): hard links from
  # the snapshot's own, else copies from the blob backup
  blob_files "$data/blobs" | $S tee "$work/now" >/dev/null
  not_in "$manifest" "$work/now" | $S tee "$work/bring" >/dev/null
  blob_files "$links" | $S tee "$work/linked" >/dev/null
  not_in "$work/bring" "$work/linked" | $S tee "$work/copy" >/dev/null
  if ! $S sh -c 'cut -f1 "$1" | while IFS= read -r f; do
        [ -f "$2/$f" ] || continue
        mkdir -p "$3/${f%/*}" && ln "$2/$f" "$3/$f" || exit 1
      done' sh "$work/bring" "$links" "$data/blobs"; then
    undo; exit 1
  fi
  if $S test -s "$work/copy"; then
    if ! $S sh -c 'cut -f1 "$1" | tar -C "$2" -cf - -T - | tar --numeric-owner -C "$3" -xpf -' \
        sh "$work/copy" "$blob_backup" "$data/blobs"; then
      undo; exit 1
    fi
  fi
  log "blob contents: $($S awk 'END { print NR }' "$manifest") listed, $($S awk 'END { print NR }' "$work/bring") put back"
fi
