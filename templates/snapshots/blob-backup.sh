# The blob backup, online (Nexus runs again), after the database's snapshot: every content that
# snapshot lists and the backup lacks (or holds with another size: an interrupted copy) is copied
# from the snapshot's hard links, which no compaction can remove meanwhile. Contents are written
# once, so a content already there is never copied again; the attributes files travel with the
# snapshot (their state must be the database's). Blob stores outside $data/blobs (S3) hold no
# files here: their bucket's versioning or replication is their backup.
work="$backup/.backup-$name"
$S rm -rf "$work"; $S mkdir -m 0700 "$work"
trap '$S rm -rf "$work"' EXIT
$S mkdir -p "$blob_backup"; $S chmod 0700 "$blob_backup"
blob_files "$blob_backup" | $S tee "$work/there" >/dev/null
not_in "$backup/$name.blobs" "$work/there" | $S tee "$work/copy" >/dev/null
set -- $($S awk -F '\t' '{ n++; b += $2 } END { printf "%d %.0f\n", n, b }' "$work/copy")
copied=$1; copied_bytes=$2
log "blob backup: copying $copied new blob file(s) ($copied_bytes bytes) to $blob_backup"
if [ "$copied" -gt 0 ]; then
  $S sh -c 'cut -f1 "$1" | tar -C "$2" -cf - -T - | tar --numeric-owner -C "$3" -xpf -' \
    sh "$work/copy" "$links_root/$name" "$blob_backup"
fi
blob_files "$blob_backup" | $S tee "$work/there" >/dev/null
short=$(not_in "$backup/$name.blobs" "$work/there" | $S awk 'END { print NR }')
if [ "$short" -gt 0 ]; then
  log "blob backup incomplete: $short blob file(s) of $name are not in $blob_backup"
  exit 1
fi
forget_unlisted_blobs
fmt='{"snapshot": "%s", "blobBackup": "%s", "blobFiles": %s, "copiedFiles": %s, "copiedBytes": %s}'
record=$(printf "$fmt" "$name" "$blob_backup" "$($S awk 'END { print NR }' "$backup/$name.blobs")" \
  "$copied" "$copied_bytes")
