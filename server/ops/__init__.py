"""Operations around the server: backups and restores, Litestream replication, the first start, process
supervision (``serve --workers``), helper processes and the web app child process."""
