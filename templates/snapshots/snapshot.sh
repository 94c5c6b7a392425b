
on_exit() {
  status=$?
  $S rm -f "$backup"/nexus-data-*.tar.partial 2>/dev/null || true
  if [ "$status" -ne 0 ] && [ "$was_running" = true ]; then
    log "snapshot failed: starting $container again"
    docker start "$container" >/dev/null || true
  fi
}
trap on_exit EXIT
if $S test -f "$marker"; then
  restored=$($S sed -n 's/.*"snapshot": *"\([^"]*\)".*/\1/p' "$marker")
  if [ -n "$restored" ] && $S test -f "$backup/$restored.json"; then
    log "no snapshot: $data holds the restored snapshot $restored and nothing has run on it"
    $S rm -f "$marker"
    $S cat "$backup/$restored.json"
    exit 0
  fi
  $S rm -f "$marker"
fi
if [ -z "$version" ] && [ -n "$cur" ]; then
  version=$(docker image inspect -f '{{range .RepoTags}}{{println .}}{{end}}' "$cur" 2>/dev/null \
    | sed -n 's/^.*:\([0-9A-Za-z][0-9A-Za-z.-]*\)$/\1/p' | head -n 1)
fi
[ -n "$version" ] || version=unknown
# Private: the archives hold the database (password hashes) and the node keystore.
umask 077
$S mkdir -p "$backup"
$S chmod 0700 "$backup"
$S find "$backup" -maxdepth 1 -name 'nexus-data-*' -type f -exec chmod 0600 {} +
need=$($S du -sk "$data" | awk '{ print $1 }')
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
log "snapshot of $data -> $backup/$name.tar"
# not what a restore onto a mounted data directory put aside in it (the operator deletes that)
$S tar --numeric-owner --exclude='./.before-restore-*' -C "$data" -cpf "$backup/$name.tar.partial" .
$S chmod 0600 "$backup/$name.tar.partial"
$S mv "$backup/$name.tar.partial" "$backup/$name.tar"
size=$($S stat -c %s "$backup/$name.tar")
fmt='{"name": "%s", "version": "%s", "takenAt": "%s", "dataDir": "%s", "archive": "%s", '
fmt=$fmt'"sizeBytes": %s, "reason": "%s"}'
record=$(printf "$fmt" \
  "$name" "$version" "$taken" "$data" "$backup/$name.tar" "$size" "$reason")
printf '%s\n' "$record" | $S tee "$backup/$name.json.partial" >/dev/null
$S chmod 0600 "$backup/$name.json.partial"
$S mv "$backup/$name.json.partial" "$backup/$name.json"
