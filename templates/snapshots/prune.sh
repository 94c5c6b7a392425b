
for f in "$backup"/nexus-data-*.json; do
  [ -f "$f" ] || continue
  n=${f##*/}; n=${n%.json}
  printf '%s %s\n' "${n##*-}" "$n"
done | sort -r | awk -v keep="$keep" 'NR > keep { print $2 }' | while read -r old; do
  log "pruning snapshot $old (keeping the newest $keep)"
  $S rm -f "$backup/$old.tar" "$backup/$old.json" "$backup/$old.blobs"
done
forget_unlisted_blobs
