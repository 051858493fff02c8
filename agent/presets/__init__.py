"""Named presets: TOML files of settings chosen together (``agent --preset fast ...``).

Shipped in the wheel as package data; ``agent.settings`` reads them (``agent config --presets``
lists them). A preset file holds a ``description`` line and any ``Settings`` fields.
"""
