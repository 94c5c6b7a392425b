
marker="$backup/.restored.json"
if ! $S test -d "$data" || [ -z "$($S ls -A "$data" 2>/dev/null)" ]; then
  log "no snapshot: $data is missing or empty (first deployment)"
  $S rm -f "$marker"
  exit 0
fi
cur=$(docker inspect --type container -f '{{.Image}}' "$container" 2>/dev/null || true)
# The version whose data this is, from the tags of the image the container runs: looked up while
# Nexus still answers, so the time it does not answer holds only the stop and the copy.
if [ -z "$version" ] && [ -n "$cur" ]; then
  version=$(docker image inspect -f '{{range .RepoTags}}{{println .}}{{end}}' "$cur" 2>/dev/null \
    | sed -n 's/^.*:\([0-9A-Za-z][0-9A-Za-z.-]*\)$/\1/p' | head -n 1)
fi
