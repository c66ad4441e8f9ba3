"""The project's Scrapy commands (COMMANDS_MODULE): `check` runs spider contracts against the fixture mirrors."""
