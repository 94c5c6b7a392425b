# Where a file blob store keeps a blob's contents: <store>/content/vol-NN/chap-NN/<id>.bytes, written
# once and never changed (its <id>.properties beside it changes: a soft delete marks it). Snapshots
# hold everything but these contents; hard links under $links_root keep the contents a snapshot
# needs (no bytes copied) until it is pruned; scripts/backup copies them to $blob_backup.
blob_content='./*/content/vol-*/chap-*/*.bytes'
links_root="$data/.snapshot-blobs"
blob_backup="$backup/blob-stores"
# blob_files DIR: the blob contents under DIR (a blob stores' root), one "path<TAB>size" a line.
blob_files() {
  $S sh -c 'cd "$1" 2>/dev/null || exit 0; find . -path "$2" -type f -printf "%P\t%s\n"' sh "$1" "$blob_content"
}
# not_in LIST_A LIST_B (files of "path[<TAB>size]" lines): the lines of A whose path and size B lacks.
not_in() {
  $S awk -F '\t' 'FILENAME == ARGV[1] { have[$1 FS $2] = 1; next } !(($1 FS $2) in have)' "$2" "$1"
}
