# The container already runs the image this step starts, so it is not replaced: start it again.
if [ -n "$cur" ] && [ "$cur" = "$wanted_id" ]; then
  log "starting $container: it already runs $want and is not replaced"
  docker start "$container" >/dev/null
fi
