"""Messages between the processes of one deployment: in-process (``base``) or over Redis pub/sub (``redis``)."""
