stamp=$(date -u '+%Y%m%dT%H%M%SZ')
mount_point=false
if $S test -d "$data" && [ "$($S stat -c %d "$data")" != "$($S stat -c %d "$data/..")" ]; then
  mount_point=true
fi
# The data kept aside holds the database (password hashes, keys): its owner (root) only.
if [ "$mount_point" = true ]; then
  aside="$data/.before-restore-$stamp"
  $S mkdir -m 0700 "$aside"
  for entry in $($S ls -A "$data"); do
    case "$entry" in .before-restore-*) continue ;; esac
    $S mv "$data/$entry" "$aside/"
  done
elif $S test -e "$data"; then
  aside="$data.before-restore-$stamp"
  data_mode=$($S stat -c %a "$data")
  $S mv "$data" "$aside"
  $S chmod 0700 "$aside"
  $S mkdir -p "$data"
else
  aside=""
  $S mkdir -p "$data"
fi
undo() {
  log "restore failed: putting the previous data back"
  if [ "$mount_point" = true ]; then
    for entry in $($S ls -A "$data"); do
      case "$entry" in .before-restore-*) continue ;; esac
      $S rm -rf "$data/$entry"
    done
    for entry in $($S ls -A "$aside"); do $S mv "$aside/$entry" "$data/"; done
    $S rmdir "$aside"
  elif [ -n "$aside" ]; then
    $S rm -rf "$data"; $S mv "$aside" "$data"; $S chmod "$data_mode" "$data"
  fi
  if [ "$was_running" = true ]; then docker start "$container" >/dev/null || true; fi
}
log "restoring $name into $data (previous data kept in ${aside:-nowhere: there was none})"
if ! $S tar --numeric-owner -C "$data" -xpf "$archive"; then undo; exit 1; fi
