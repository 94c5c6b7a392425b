if [ -n "$cur" ] && [ "$cur" = "$wanted_id" ]; then
  log "no snapshot: $container already runs $want (it is not replaced)"
  if [ "$(docker inspect --type container -f '{{.State.Running}}' "$container" 2>/dev/null)" != true ]; then
    log "starting $container: it was left stopped (e.g. by a failed up or a restore)"
    docker start "$container" >/dev/null
  fi
  exit 0
fi
