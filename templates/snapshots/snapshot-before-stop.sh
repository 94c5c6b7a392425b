# Read while Nexus still answers, so that the time it does not answer holds only the stop and the
# copy: the version whose data this is, from the tags of the image the container runs.
if [ -z "$version" ] && [ -n "$cur" ]; then
  version=$(docker image inspect -f '{{range .RepoTags}}{{println .}}{{end}}' "$cur" 2>/dev/null \
    | sed -n 's/^.*:\([0-9A-Za-z][0-9A-Za-z.-]*\)$/\1/p' | head -n 1)
fi
