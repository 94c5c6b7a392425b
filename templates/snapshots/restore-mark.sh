printf '{"snapshot": "%s", "restoredAt": "%s"}\n' "$name" "$stamp" \
  | $S tee "$backup/.restored.json" >/dev/null
$S chmod 0600 "$backup/.restored.json"
