"""Reading planners' files into the store."""
