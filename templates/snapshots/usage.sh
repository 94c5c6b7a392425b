df -h "$data" "$backup" || true
echo
log "largest entries of $data:"
$S du -sh "$data"/* "$data"/.[!.]* 2>/dev/null | sort -rh | head -n 15 || true
echo
$S du -sh "$backup" 2>/dev/null || true
for d in "$data".before-restore-* "$data"/.before-restore-*; do
  $S test -d "$d" && echo "left over by a restore (delete once the restore is verified): $d" || true
done
