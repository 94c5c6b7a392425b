"""How the project reaches what it manages: the Docker host (:mod:`reach.host`: SSH target, the
run-as-root prefix, temporary secret files, shell scripts), the scripts run there
(:mod:`reach.snapshots`, rendered from ``templates/``) and what a Nexus version means
(:mod:`reach.versions`). The lowest layer: it imports no other package of the project, and the
first run, the components and the operations all build on it."""
