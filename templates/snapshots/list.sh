for f in "$backup"/nexus-data-*.json; do
  $S test -f "$f" || continue
  $S test -f "${f%.json}.tar" || continue
  $S cat "$f"; echo
done
