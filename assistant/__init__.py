"""The Hearth hub: configuration, protocol, sessions, pipeline and command line."""
