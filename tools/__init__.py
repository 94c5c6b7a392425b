"""Project tools: the Python language host for the project engine, the image builder."""
