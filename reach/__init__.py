"""How the project reaches the Docker host and a Nexus: the lowest layer, importing no other package.

How the project reaches what it manages: the Docker host (:mod:`reach.host`: SSH target, the
run-as-root prefix, temporary secret files, the shells, shell scripts from ``templates/``), the
command resources that run there (:mod:`reach.host_access`), the scripts run there for snapshots
(:mod:`reach.snapshots`), a Nexus before any API call (:mod:`reach.nexus`: the writable wait,
version and edition from the ``Server`` header) and what a Nexus version means
(:mod:`reach.versions`), the one HTTP session factory and the stack's CA file (:mod:`reach.http`)
and Nexus's name rules (:mod:`reach.names`). The lowest layer: it imports no other package of the project
(tests/test_layering.py), and the first run, the providers, the components and the operations all
build on it."""
