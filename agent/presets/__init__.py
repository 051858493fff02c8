"""Named presets: TOML files of settings chosen together (``agent --preset fast ...``).

Shipped in the wheel as package data; ``agent.settings_sources`` finds and reads them (``agent
config --presets`` lists them). A preset file holds a ``description`` line and settings by section.
"""
