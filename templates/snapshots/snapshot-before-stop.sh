# What the step decides and reads while Nexus still answers, so that the time it does not answer
# holds only the stop and the copy: a data directory a rollback restored is not saved again, and
# the version whose data this is comes from the tags of the image the container runs.
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
