
in_use=
for other in $(docker ps --format '{{.Names}}'); do
  [ "$other" = "$container" ] && continue
  if docker inspect --type container -f '{{range .Mounts}}{{println .Source}}{{end}}' "$other" 2>/dev/null \
      | grep -qxF "$data"; then
    in_use="$in_use $other"
  fi
done
if [ -n "$in_use" ]; then
  log "refusing: $data is in use by the running container(s)$in_use, not by $container; a copy now"
  log "would be of a live database. Stop it first (docker stop -t $grace NAME), then try again."
  exit 1
fi
was_running=$(docker inspect --type container -f '{{.State.Running}}' "$container" 2>/dev/null) \
  || was_running=missing
if [ "$was_running" = true ]; then
  log "stopping $container (up to ${grace}s for a clean stop)"
  docker stop -t "$grace" "$container" >/dev/null
fi
