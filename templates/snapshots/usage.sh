df -h "$data" "$backup" || true
echo
log "largest entries of $data:"
$S du -sh "$data"/* "$data"/.[!.]* 2>/dev/null | sort -rh | head -n 15 || true
echo
if $S test -d "$links_root"; then
  # one du for both: blocks shared with the blob stores count once, under blobs
  kept=$($S du -sh "$data/blobs" "$links_root" 2>/dev/null | awk 'NR == 2 { print $1 }')
  echo "blob contents Nexus has deleted that snapshots still keep (freed when they are pruned): ${kept:-0}"
fi
$S du -sh "$backup" 2>/dev/null || true
for d in "$data".before-restore-* "$data"/.before-restore-*; do
  $S test -d "$d" && echo "left over by a restore (delete once the restore is verified): $d" || true
done
