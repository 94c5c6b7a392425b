# The rollback's `up` does the restore: its snapshot step (snapshot-restore-asked.sh) restores this
# snapshot right after it stops Nexus, so the engine's start and the steps before the container are
# not in the time Nexus does not answer. Nothing is stopped here; the checks above passed.
printf '{"snapshot": "%s", "version": "%s"}\n' "$name" "$for_version" \
  | $S tee "$backup/.restore-asked.json" >/dev/null
$S chmod 0600 "$backup/.restore-asked.json"
$S rm -f "$backup/.restore-done.json"
log "the next snapshot step that starts $for_version restores $name"
