$S test -d "$data/db" || exit 0
$S sh -c 'cd "$1" && find . -maxdepth 2 -type f' sh "$data/db" | sed 's|^\./||'
