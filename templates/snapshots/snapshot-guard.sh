
if ! $S test -d "$data" || [ -z "$($S ls -A "$data" 2>/dev/null)" ]; then
  log "no snapshot: $data is missing or empty (first deployment)"
  exit 0
fi
cur=$(docker inspect --type container -f '{{.Image}}' "$container" 2>/dev/null || true)
