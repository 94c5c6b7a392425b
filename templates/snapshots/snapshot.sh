
name=
on_exit() {
  status=$?
  $S rm -f "$backup"/nexus-data-*.partial 2>/dev/null || true
  if [ "$status" -ne 0 ] && [ -n "$name" ] && ! $S test -f "$backup/$name.json"; then
    $S rm -rf "$links_root/$name" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ "$was_running" = true ]; then
    log "snapshot failed: starting $container again"
    docker start "$container" >/dev/null || true
  fi
}
trap on_exit EXIT
[ -n "$version" ] || version=unknown
# Private: the archives hold the database (password hashes) and the node keystore.
umask 077
$S mkdir -p "$backup"
$S chmod 0700 "$backup"
$S find "$backup" -maxdepth 1 -name 'nexus-data-*' -type f -exec chmod 0600 {} +
# The archive holds the data directory but the blob contents (and what earlier restores and
# snapshots keep in it): tar headers and blocks round each file up to 512 bytes, plus one header.
need=$($S sh -c 'cd "$1" && find . \( -path "./.before-restore-*" -o -path ./.snapshot-blobs \
    -o -path "./blobs/$2" \) -prune -o -type f -printf "%s\n"' sh "$data" "${blob_content#./}" \
  | awk '{ k += int(($1 + 511) / 512) / 2 + 0.5 } END { printf "%d\n", k + 1024 }')
free=$(df -Pk "$backup" | awk 'NR == 2 { print $4 }')
if [ "$free" -lt "$need" ]; then
  log "not enough space in $backup for a snapshot of $data: need ${need} KiB, ${free} KiB free."
  log "Prune old snapshots (scripts/snapshots STACK prune) or give the backup disk more space."
  exit 1
fi
while :; do
  set -- $(date -u '+%Y%m%dT%H%M%SZ %Y-%m-%dT%H:%M:%SZ')
  name="nexus-data-$version-$1"; taken=$2
  $S test -e "$backup/$name.tar" || break
  sleep 1  # never overwrite a snapshot taken in the same second
done
log "snapshot of $data -> $backup/$name.tar (blob contents stay in place, hard-linked)"
# The blob contents the snapshot's database may reference: listed (the list survives the data
# disk) and hard-linked under $links_root/$name, so a compaction after the snapshot cannot take
# them away; the links share the files' blocks (no bytes are copied).
blob_files "$data/blobs" | LC_ALL=C sort | $S tee "$backup/$name.blobs.partial" >/dev/null
$S chmod 0600 "$backup/$name.blobs.partial"
$S mkdir -p "$links_root"; $S chmod 0700 "$links_root"
if $S test -d "$data/blobs" && $S cp -al "$data/blobs" "$links_root/$name"; then
  $S sh -c 'cd "$1" && find . -type f ! -path "$2" -delete' sh "$links_root/$name" "$blob_content"
else
  # e.g. <dataDir>/blobs on a file system of its own: no hard link across file systems
  if $S test -d "$data/blobs"; then
    log "warning: no hard links to the blob contents in $links_root: a compaction may remove"
    log "contents this snapshot lists; a restore then needs them in $blob_backup (scripts/backup)."
  fi
  $S rm -rf "$links_root/$name"; $S mkdir "$links_root/$name"
fi
# not what a restore onto a mounted data directory put aside in it (the operator deletes that)
$S tar --numeric-owner --exclude='./.before-restore-*' --exclude=./.snapshot-blobs \
  --exclude="./blobs/${blob_content#./}" -C "$data" -cpf "$backup/$name.tar.partial" .
$S chmod 0600 "$backup/$name.tar.partial"
$S mv "$backup/$name.tar.partial" "$backup/$name.tar"
$S mv "$backup/$name.blobs.partial" "$backup/$name.blobs"
size=$($S stat -c %s "$backup/$name.tar")
fmt='{"name": "%s", "version": "%s", "takenAt": "%s", "dataDir": "%s", "archive": "%s", '
fmt=$fmt'"sizeBytes": %s, "blobFiles": %s, "blobBytes": %s, "reason": "%s"}'
set -- $($S awk -F '\t' '{ n++; b += $2 } END { printf "%d %.0f\n", n, b }' "$backup/$name.blobs")
record=$(printf "$fmt" \
  "$name" "$version" "$taken" "$data" "$backup/$name.tar" "$size" "$1" "$2" "$reason")
printf '%s\n' "$record" | $S tee "$backup/$name.json.partial" >/dev/null
$S chmod 0600 "$backup/$name.json.partial"
$S mv "$backup/$name.json.partial" "$backup/$name.json"
