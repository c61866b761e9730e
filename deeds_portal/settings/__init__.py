"""Settings: ``base`` holds everything, ``dev``/``test``/``prod`` only what differs."""
