# For the rollback that asked: what was restored and where the previous data is kept.
printf '%s\n' "$report" | $S tee "$backup/.restore-done.json" >/dev/null
$S chmod 0600 "$backup/.restore-done.json"
$S cat "$backup/$name.json"
