if [ "$was_running" = missing ]; then
  log "no $container container to start: run scripts/pulumi up"
else
  log "starting $container"; docker start "$container" >/dev/null
fi
