# After the rollback's `up`: a request still there was not taken (the step did not run, or did not
# start its version); it is withdrawn. A restore the step did is reported once.
if $S test -f "$backup/.restore-asked.json"; then
  log "the snapshot step did not restore: withdrawing the request"
  $S rm -f "$backup/.restore-asked.json"
fi
if $S test -f "$backup/.restore-done.json"; then
  $S cat "$backup/.restore-done.json"
  $S rm -f "$backup/.restore-done.json"
fi
