"""HTTP routes of the emulator: path parsing (pure) and the npm API handlers."""
