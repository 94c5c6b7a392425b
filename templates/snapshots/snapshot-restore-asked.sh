# A rollback asked for a restore (restore-ask.sh): when it is for the version this step starts, the
# step restores that snapshot right after the stop instead of taking one. The request is read once.
# The image this step starts, as the engine knows it (here and in what follows: the container is
# replaced only when it runs another one).
wanted_id=$(docker image inspect -f '{{.Id}}' "$want" 2>/dev/null || true)
asked="$backup/.restore-asked.json"
name=
if $S test -f "$asked"; then
  asked_name=$($S sed -n 's/.*"snapshot": *"\([^"]*\)".*/\1/p' "$asked")
  asked_version=$($S sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$asked")
  $S rm -f "$asked"
  if [ -n "$asked_name" ] && [ "${want##*:}" = "$asked_version" ]; then
    name=$asked_name
  else
    log "not restoring $asked_name: it was asked for $asked_version, and this step starts $want"
  fi
fi
