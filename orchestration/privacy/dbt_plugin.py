"""dbt-duckdb plugin (profiles.yml `plugins`): every connection and cursor dbt opens gets the
pseudonym key as a session variable (pseudonym_key.py), so no compiled SQL or log holds it.
Without a key (and without INBURGERING_DEMO=1) the first connection fails, before any model
runs; parsing, which opens none, still works."""

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger

from orchestration.privacy.file_modes import restrict_umask
from orchestration.privacy.pseudonym_key import DEMO_WARNING, configure, uses_demo_key

logger = AdapterLogger("inburgering")


class Plugin(BasePlugin):
    def initialize(self, plugin_config) -> None:
        restrict_umask()  # the warehouse file and its WAL: owner and group only (file_modes.py)
        if uses_demo_key():
            logger.warning(DEMO_WARNING)

    def configure_connection(self, conn) -> None:
        configure(conn)

    def configure_cursor(self, cursor):
        # a cursor is a session of its own: session variables do not carry over from its connection
        configure(cursor)
        return cursor
