"""The command line below :mod:`spikesim.cli`: :mod:`~spikesim.commands.common`
(what the subcommands share) and the ``evolve`` and ``replicate``
subcommands, which use :mod:`spikesim.meta`."""
