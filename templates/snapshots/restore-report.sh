report=$(printf '{"restored": "%s", "previousData": "%s"}' "$name" "$aside")
