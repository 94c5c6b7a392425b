printf '{"restored": "%s", "previousData": "%s"}\n' "$name" "$aside"
