archive="$backup/$name.tar"
$S test -f "$archive" || { log "no snapshot $name in $backup"; exit 1; }
$S rm -f "$backup/.restored.json"
