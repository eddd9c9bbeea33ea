"""dbt-duckdb plugin (profiles.yml `plugins`): every connection and cursor dbt opens gets the
pseudonym key as a session variable (pseudonym_key.py), so no compiled SQL or log holds it."""

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger

from orchestration.privacy.file_modes import restrict_umask
from orchestration.privacy.pseudonym_key import ENVIRONMENT_VARIABLE, configure, key, key_is_set

logger = AdapterLogger("inburgering")


class Plugin(BasePlugin):
    def initialize(self, plugin_config) -> None:
        restrict_umask()  # the warehouse file and its WAL: owner and group only (file_modes.py)
        key()  # fails here, before any model runs, when production requires a key that is missing
        if not key_is_set():
            logger.warning(f"{ENVIRONMENT_VARIABLE} is not set: pseudonyms use the development key "
                           "(orchestration/privacy/pseudonym_key.py) and are not protected. Set it for real data.")

    def configure_connection(self, conn) -> None:
        configure(conn)

    def configure_cursor(self, cursor):
        # a cursor is a session of its own: session variables do not carry over from its connection
        configure(cursor)
        return cursor
