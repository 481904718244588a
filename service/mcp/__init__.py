"""The Model Context Protocol server: the service's operations as tools for AI assistants."""
